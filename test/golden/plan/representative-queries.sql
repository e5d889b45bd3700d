-- Rejected flows of the last day: network_logs.vpc_flow_logs in 111122223333/eu-west-1
SELECT aws_account_id, aws_region, year, month, day, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action
FROM network_logs.vpc_flow_logs
WHERE action = 'REJECT'
  AND ((year = '2026' AND month = '04' AND day = '30') OR (year = '2026' AND month = '05' AND day = '01'))
LIMIT 10;

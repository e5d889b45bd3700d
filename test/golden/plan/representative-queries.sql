-- Rejected flows of the last day: network_logs.vpc_flow_logs in 111122223333/eu-west-1
SELECT aws_account_id, aws_region, day, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action
FROM network_logs.vpc_flow_logs
WHERE action = 'REJECT'
  AND day >= '2026/04/30'
LIMIT 10;

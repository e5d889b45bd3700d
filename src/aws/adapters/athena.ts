// Athena adapter: the AthenaPort over @aws-sdk/client-athena. Loaded only through dynamic import().
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import type { AthenaPort } from "../ports.js";
import { type ClientSettings, callFor, sdkConfig } from "./call.js";

export function makeAthenaPort(settings: ClientSettings): AthenaPort {
  const call = callFor("athena", settings);
  const client = new AthenaClient(sdkConfig(settings));
  const query = (id: string | undefined) => `Athena query ${id ?? "?"} in ${settings.region}`;
  const workgroup = (name: string | undefined) => `Athena workgroup ${name ?? "primary"} in ${settings.region}`;
  return {
    startQueryExecution: (i) =>
      call("StartQueryExecution", workgroup(i.WorkGroup), () => client.send(new StartQueryExecutionCommand(i))),
    getQueryExecution: (i) =>
      call("GetQueryExecution", query(i.QueryExecutionId), () => client.send(new GetQueryExecutionCommand(i))),
    getQueryResults: (i) =>
      call("GetQueryResults", query(i.QueryExecutionId), () => client.send(new GetQueryResultsCommand(i))),
    stopQueryExecution: (i) =>
      call("StopQueryExecution", query(i.QueryExecutionId), () => client.send(new StopQueryExecutionCommand(i))),
    getWorkGroup: (i) => call("GetWorkGroup", workgroup(i.WorkGroup), () => client.send(new GetWorkGroupCommand(i))),
  };
}

// Glue adapter: the GluePort over @aws-sdk/client-glue. Loaded only through dynamic import().
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  GlueClient,
  UpdateDatabaseCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-glue";
import type { GluePort } from "../ports.js";
import { type ClientSettings, callFor, sdkConfig } from "./call.js";

export function makeGluePort(settings: ClientSettings): GluePort {
  const call = callFor("glue", settings);
  const client = new GlueClient(sdkConfig(settings));
  const db = (name: string | undefined) => `Glue database ${name ?? "?"}`;
  const table = (database: string | undefined, name: string | undefined) =>
    `Glue table ${database ?? "?"}.${name ?? "?"}`;
  return {
    getDatabase: (i) => call("GetDatabase", db(i.Name), () => client.send(new GetDatabaseCommand(i))),
    createDatabase: (i) =>
      call("CreateDatabase", db(i.DatabaseInput?.Name), () => client.send(new CreateDatabaseCommand(i))),
    updateDatabase: (i) => call("UpdateDatabase", db(i.Name), () => client.send(new UpdateDatabaseCommand(i))),
    deleteDatabase: (i) => call("DeleteDatabase", db(i.Name), () => client.send(new DeleteDatabaseCommand(i))),
    getTable: (i) => call("GetTable", table(i.DatabaseName, i.Name), () => client.send(new GetTableCommand(i))),
    createTable: (i) =>
      call("CreateTable", table(i.DatabaseName, i.TableInput?.Name), () => client.send(new CreateTableCommand(i))),
    updateTable: (i) =>
      call("UpdateTable", table(i.DatabaseName, i.TableInput?.Name), () => client.send(new UpdateTableCommand(i))),
    deleteTable: (i) =>
      call("DeleteTable", table(i.DatabaseName, i.Name), () => client.send(new DeleteTableCommand(i))),
  };
}

// extraWorkspaces (issue 20): a list setting reaches the server as a list of expanded paths.
import assert from "node:assert/strict";
import { test } from "node:test";
import { serverSettings } from "../common/settings";

test("extraWorkspaces: strings expanded and sent; a wrong type dropped", () => {
  const get = (values: Record<string, unknown>) => (name: string) => values[name];
  const sent = serverSettings(get({ extraWorkspaces: ["~/wt", "${workspaceFolder}/../other", ""] }), "/w");
  assert.deepEqual(sent.extraWorkspaces, [`${require("os").homedir()}/wt`, "/w/../other"]);
  assert.equal("extraWorkspaces" in serverSettings(get({ extraWorkspaces: ["a", 3] }), "/w"), false);
  assert.equal("extraWorkspaces" in serverSettings(get({ extraWorkspaces: "a" }), "/w"), false);
  assert.equal(serverSettings(get({ maxBodyBytes: 1048576 })).maxBodyBytes, 1048576);
});

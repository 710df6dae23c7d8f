// How the UI talks to its host: VS Code webview messages or HTTP to the server.
// Both give the same interface, so app.js never knows which one it has.
import { HTTP_RPC, HTTP_STREAM, OPEN_FILE } from "./protocol.js";

/**
 * @param {{mode?: string, token?: string}} config
 * @param {(msg: object) => void} onHostMessage  summary / showEvent / selectSession
 */
export function createTransport(config, onHostMessage) {
  if (typeof globalThis.acquireVsCodeApi === "function") {
    return vscodeTransport(globalThis.acquireVsCodeApi(), onHostMessage);
  }
  return httpTransport(config, onHostMessage);
}

function vscodeTransport(vscode, onHostMessage) {
  let nextId = 1;
  const pending = new Map();
  window.addEventListener("message", (ev) => {
    const msg = ev.data;
    if (!msg || typeof msg !== "object" || typeof msg.type !== "string") return;
    if (msg.type === "response") {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(errorText(msg.error)));
      else p.resolve(msg.result);
    } else {
      onHostMessage(msg);
    }
  });
  return {
    kind: "vscode",
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        vscode.postMessage({ type: "request", id, method, params });
      });
    },
    executeCommand(command, args) {
      vscode.postMessage({ type: "executeCommand", command, arguments: args });
      return Promise.resolve();
    },
    openFile(filePath, line) {
      vscode.postMessage({ type: "openFile", filePath, line });
      return Promise.resolve();
    },
    start() {
      vscode.postMessage({ type: "ready" });
    },
  };
}

function httpTransport(config, onHostMessage) {
  const token = config.token || "";
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;

  async function rpc(method, params) {
    const resp = await fetch(HTTP_RPC, {
      method: "POST",
      headers,
      body: JSON.stringify({ method, params }),
      credentials: "same-origin",
    });
    let body = null;
    try {
      body = await resp.json();
    } catch (_) {
      throw new Error(`${method}: HTTP ${resp.status} without a JSON body`);
    }
    if (body && body.error) throw new Error(errorText(body.error));
    if (!resp.ok) throw new Error(`${method}: HTTP ${resp.status}`);
    return body ? body.result : null;
  }

  return {
    kind: "http",
    request: rpc,
    executeCommand(command, args) {
      return rpc("workspace/executeCommand", { command, arguments: args });
    },
    openFile(filePath, line) {
      return rpc(OPEN_FILE, { filePath, line });
    },
    start() {
      if (typeof EventSource !== "function") return;
      // EventSource cannot send headers: the cookie set by GET /?token= authenticates,
      // the query token is a fallback for pages opened without it.
      const url = token ? `${HTTP_STREAM}?token=${encodeURIComponent(token)}` : HTTP_STREAM;
      const es = new EventSource(url);
      es.addEventListener("summary", (ev) => {
        try {
          onHostMessage({ type: "summary", summary: JSON.parse(ev.data) });
        } catch (_) {
          /* a malformed summary is ignored; the next one refreshes */
        }
      });
    },
  };
}

function errorText(error) {
  if (typeof error === "string") return error;
  if (error && typeof error.message === "string") return error.message;
  return "request failed";
}

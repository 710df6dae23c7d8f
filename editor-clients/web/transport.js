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
    // issue 16: the webview's state survives a window reload (panelstate.js)
    getState: () => vscode.getState(),
    setState: (value) => vscode.setState(value),
  };
}

const TOKEN_KEY = "sessionprof.token";

/**
 * The endpoint token for this tab: taken from the URL fragment (`#token=...`, which a
 * browser never sends to a server), then removed from the address bar and history and
 * kept in sessionStorage (this origin, this tab) so a reload still works. No cookie: a
 * cookie would go to every port on 127.0.0.1, to other local servers' pages too.
 */
export function takeToken(config) {
  let token = "";
  try {
    const hash = globalThis.location ? globalThis.location.hash || "" : "";
    const params = new URLSearchParams(hash.replace(/^#/, ""));
    token = params.get("token") || "";
    if (token) {
      params.delete("token");
      const rest = params.toString();
      const loc = globalThis.location;
      globalThis.history.replaceState(null, "", loc.pathname + loc.search + (rest ? "#" + rest : ""));
      globalThis.sessionStorage.setItem(TOKEN_KEY, token);
    } else {
      token = globalThis.sessionStorage.getItem(TOKEN_KEY) || "";
    }
  } catch (_) {
    /* no storage (a sandboxed frame): the token lives in this page only */
  }
  return token || (config && config.token) || "";
}

function httpTransport(config, onHostMessage) {
  const token = takeToken(config);
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;

  async function rpc(method, params) {
    const resp = await fetch(HTTP_RPC, {
      method: "POST",
      headers,
      body: JSON.stringify({ method, params }),
      credentials: "omit",
    });
    let body;
    try {
      body = await resp.json();
    } catch (_) {
      body = undefined;
    }
    return settle(method, { status: resp.status, ok: resp.ok, body });
  }

  /** The result of an answer {status, ok, body} (body undefined: not JSON), or its error. */
  function settle(method, { status, ok, body }) {
    if (body === undefined) throw new Error(`${method}: HTTP ${status} without a JSON body`);
    if (body && body.error) throw new Error(errorText(body.error));
    if (!ok) throw new Error(`${method}: HTTP ${status}`);
    return body ? body.result : null;
  }

  // Server-sent events read with fetch (EventSource cannot send the Authorization header).
  async function stream(delay) {
    try {
      const resp = await fetch(HTTP_STREAM, {
        headers: token ? { Authorization: "Bearer " + token } : {},
        credentials: "omit",
      });
      if (!resp.ok || !resp.body) return; // refused (wrong token): the page's requests say why
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          dispatch(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
      delay = 3000; // a stream that ended cleanly: reconnect as EventSource would
    } catch (_) {
      /* the server went away: retry below */
    }
    setTimeout(() => stream(Math.min(delay * 2, 30000)), delay);
  }

  function dispatch(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (event === "status" && data.length) {
      try {
        const status = JSON.parse(data.join("\n"));
        showStatus(status);
        onHostMessage({ type: "status", status });
      } catch (_) {
        /* ignored: the next connection sends it again */
      }
      return;
    }
    if (event !== "summary" || !data.length) return;
    try {
      onHostMessage({ type: "summary", summary: JSON.parse(data.join("\n")) });
    } catch (_) {
      /* a malformed summary is ignored; the next one refreshes */
    }
  }

  return {
    kind: "http",
    request: rpc,
    /** An answer the page's boot script asked for before the modules loaded (index.html). */
    adopt: (method, answer) => answer.then((a) => settle(method, a)),
    executeCommand(command, args) {
      return rpc("workspace/executeCommand", { command, arguments: args });
    },
    openFile(filePath, line) {
      return rpc(OPEN_FILE, { filePath, line });
    },
    start() {
      if (typeof fetch !== "function") return;
      stream(3000);
    },
  };
}

/** A banner over the page when the server runs without its store (ready.degraded). */
function showStatus(status) {
  if (!status || typeof status.degraded !== "string" || !globalThis.document) return;
  let el = document.getElementById("sp-degraded");
  if (!el) {
    el = document.createElement("div");
    el.id = "sp-degraded";
    el.setAttribute("role", "alert");
    el.style.padding = "6px 12px";
    el.style.background = "#8a5a00";
    el.style.color = "#fff";
    el.style.font = "13px system-ui, sans-serif";
    document.body.prepend(el);
  }
  el.textContent = "sessionprof: " + status.degraded;
}

function errorText(error) {
  if (typeof error === "string") return error;
  if (error && typeof error.message === "string") return error.message;
  return "request failed";
}

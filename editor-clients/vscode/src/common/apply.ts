/**
 * Applying a suggestion in VS Code (issue 14): the server plans (sessionprof/previewSuggestion),
 * this module turns the plan into one WorkspaceEdit whose every change carries
 * `needsConfirmation`, so VS Code's refactor preview shows each file before anything is
 * written. Nothing is saved by us. Once the user applies it, the server records it
 * (sessionprof/suggestionApplied); if the user later undoes the edit, the folders it
 * created are removed again when they are empty, and the server marks it undone.
 */
import * as vscode from "vscode";
import * as P from "./protocol";

export interface PlanFile {
  path: string;
  relPath: string;
  create: boolean;
  oldText: string;
  newText: string;
  diff: string;
  createdDirs: string[];
}

export interface Plan {
  sessionId: string;
  suggestionId: string;
  title: string;
  message: string;
  root: string | null;
  files: PlanFile[];
}

export interface Requester {
  sendRequest(method: string, params: unknown): Promise<unknown>;
}

/** The end of `text` as a VS Code position (UTF-16 columns, as JS strings count). */
export function endOf(text: string): vscode.Position {
  const lines = text.split("\n");
  return new vscode.Position(lines.length - 1, lines[lines.length - 1].length);
}

/** One WorkspaceEdit for the plan, every entry needing confirmation (the refactor preview). */
export function workspaceEditFor(plan: Plan): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const meta: vscode.WorkspaceEditEntryMetadata = {
    needsConfirmation: true,
    label: `sessionprof: ${plan.title}`,
    description: plan.message,
  };
  for (const f of plan.files) {
    const uri = vscode.Uri.file(f.path);
    if (f.create) {
      edit.createFile(uri, { overwrite: false, ignoreIfExists: false }, meta);
      edit.insert(uri, new vscode.Position(0, 0), f.newText, meta);
    } else if (f.newText.startsWith(f.oldText)) {
      edit.insert(uri, endOf(f.oldText), f.newText.slice(f.oldText.length), meta);
    } else {
      edit.replace(uri, new vscode.Range(new vscode.Position(0, 0), endOf(f.oldText)), f.newText, meta);
    }
  }
  return edit;
}

/** A file the plan edits whose open document differs from what the server planned on. */
function staleFile(plan: Plan): PlanFile | undefined {
  return plan.files.find((f) => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === "file" && d.uri.fsPath === f.path);
    return doc !== undefined && (f.create || doc.getText() !== f.oldText);
  });
}

/** After an undo deletes a created file: remove the folders the apply created, if empty. */
function cleanUpOnUndo(lc: Requester, plan: Plan, id: number | undefined): vscode.Disposable {
  const created = plan.files.filter((f) => f.create);
  const dirs = [...new Set(plan.root ? created.flatMap((f) => f.createdDirs) : [])]
    .sort((a, b) => b.length - a.length) // deepest first
    .map((d) => vscode.Uri.file(`${plan.root}/${d}`));
  const watchers = created.map((f) => vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(f.path.replace(/\/[^/]*$/, "")), f.path.split("/").pop()!), true, true, false));
  const disposable = vscode.Disposable.from(...watchers);
  let done = false;
  for (const w of watchers) {
    w.onDidDelete(async () => {
      for (const f of created) {
        try {
          await vscode.workspace.fs.stat(vscode.Uri.file(f.path));
          return; // another created file is still there: not an undo of the whole edit
        } catch {
          /* gone */
        }
      }
      if (done) return;
      done = true;
      for (const d of dirs) {
        try {
          if ((await vscode.workspace.fs.readDirectory(d)).length === 0) {
            await vscode.workspace.fs.delete(d, { recursive: false, useTrash: false });
          }
        } catch {
          /* already gone or not empty */
        }
      }
      if (id !== undefined) void lc.sendRequest(P.SUGGESTION_UNDONE, { id });
      disposable.dispose();
    });
  }
  return disposable;
}

/**
 * Preview and apply one suggestion. Returns what happened, in the ApplyResult shape the
 * command returns everywhere.
 */
export async function applySuggestion(lc: Requester, sessionId: string, suggestionId: string, subscriptions: vscode.Disposable[]): Promise<P.ApplyResult> {
  const plan = (await lc.sendRequest(P.PREVIEW_SUGGESTION, { sessionId, suggestionId })) as Plan;
  if (!plan || !Array.isArray(plan.files) || plan.files.length === 0) {
    const message = plan && plan.message ? plan.message : "nothing to change";
    void vscode.window.showWarningMessage(`SessionProf: ${message}`);
    return { applied: false, message };
  }
  const stale = staleFile(plan);
  if (stale) {
    const message = `${stale.relPath} has unsaved changes: save or revert it first, then apply again`;
    void vscode.window.showWarningMessage(`SessionProf: ${message}`);
    return { applied: false, message };
  }
  // needsConfirmation: VS Code opens the refactor preview and waits for Apply or Discard
  const applied = await vscode.workspace.applyEdit(workspaceEditFor(plan));
  if (!applied) {
    return { applied: false, message: "not applied: the preview was discarded" };
  }
  const files = plan.files.map((f) => f.relPath);
  let id: number | undefined;
  try {
    const rec = (await lc.sendRequest(P.SUGGESTION_APPLIED, { sessionId: plan.sessionId, suggestionId: plan.suggestionId, files, client: "vscode" })) as { id?: number };
    id = rec && typeof rec.id === "number" ? rec.id : undefined;
  } catch {
    /* the edit stands; only the measurement misses it */
  }
  subscriptions.push(cleanUpOnUndo(lc, plan, id));
  const first = plan.files.find((f) => /^(CLAUDE|AGENTS)\.md$/.test(f.relPath)) ?? plan.files[0];
  await vscode.window.showTextDocument(vscode.Uri.file(first.path), { preview: false });
  const message = `${plan.message.replace(/[.!\s]*$/, "")}. Review and save ${files.join(", ")}; Undo reverts it.`;
  void vscode.window.showInformationMessage(`SessionProf: ${message}`);
  return { applied: true, message };
}

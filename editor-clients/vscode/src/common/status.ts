/** The status bar item: the current session's tokens and cost, live from sessionprof/summary. */
import * as vscode from "vscode";
import { statusText, statusTooltip } from "./format";
import { CMD_STATUS_MENU, type Summary } from "./protocol";

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private last: Summary | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem("sessionprof.status", vscode.StatusBarAlignment.Left, 50);
    this.item.name = "SessionProf";
    this.item.command = CMD_STATUS_MENU;
    this.starting();
    this.item.show();
  }

  get summary(): Summary | undefined {
    return this.last;
  }

  starting(): void {
    this.item.text = "$(pulse) SessionProf";
    this.item.tooltip = "SessionProf: starting the language server…";
  }

  /** Server missing or stopped: the item stays, saying so; clicking shows the log. */
  failed(reason: string): void {
    this.item.text = "$(warning) SessionProf";
    this.item.tooltip = `SessionProf: ${reason}`;
    this.item.command = "sessionprof.showLog";
  }

  idle(): void {
    this.item.command = CMD_STATUS_MENU;
    if (!this.last) {
      this.item.text = "$(pulse) no session";
      this.item.tooltip = "SessionProf: no agent session for this workspace yet. Click for actions.";
    }
  }

  /** The server stopped on purpose (restart): no warning, the numbers stay until it is back. */
  restarting(): void {
    this.item.text = "$(sync~spin) SessionProf";
    this.item.tooltip = "SessionProf: restarting the language server…";
  }

  update(summary: Summary): void {
    this.last = summary;
    this.item.command = CMD_STATUS_MENU;
    this.item.text = statusText(summary);
    this.item.tooltip = statusTooltip(summary);
  }

  dispose(): void {
    this.item.dispose();
  }
}

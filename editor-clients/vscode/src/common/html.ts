/**
 * Filling the web UI bundle's index.html template for the webview
 * (editor-clients/web/index.html: {{csp}}, {{nonce}}, {{base}}, {{config}}).
 * Every value is escaped for an HTML attribute, since session ids and file names in the
 * config come from agent transcripts.
 */
import { randomBytes } from "crypto";

export interface WebviewConfig {
  mode: "vscode";
  sessionId?: string;
  eventId?: string;
  theme?: "light" | "dark" | "high-contrast" | "high-contrast-light";
  /** The status bar has no session for this workspace: the panel says so (never shows another project's). */
  noSession?: boolean;
}

/** A fresh nonce per page load (128 random bits, base64 without padding symbols). */
export function makeNonce(): string {
  return randomBytes(16).toString("base64").replace(/[+/=]/g, "");
}

const ATTR_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  '"': "&quot;",
  "'": "&#39;",
  "<": "&lt;",
  ">": "&gt;",
  "`": "&#96;",
};

export function escapeAttr(value: string): string {
  return value.replace(/[&"'<>`]/g, (c) => ATTR_ESCAPES[c]);
}

/**
 * The Content Security Policy: nothing by default; scripts only with the nonce or from
 * the bundle (the ES modules app.js imports carry no nonce); styles, images and fonts only
 * from the bundle (cspSource is the webview's resource origin, limited to dist/web by
 * localResourceRoots). No inline script or style, no network.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' ${cspSource}`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join("; ");
}

export interface TemplateValues {
  cspSource: string;
  nonce: string;
  base: string;
  config: WebviewConfig;
}

/** index.html with every placeholder replaced (all occurrences), values attribute-escaped. */
export function renderTemplate(template: string, v: TemplateValues): string {
  const values: Record<string, string> = {
    csp: escapeAttr(contentSecurityPolicy(v.cspSource, v.nonce)),
    nonce: escapeAttr(v.nonce),
    base: escapeAttr(v.base.replace(/\/+$/, "")),
    config: escapeAttr(JSON.stringify(v.config)),
  };
  return template.replace(/\{\{(csp|nonce|base|config)\}\}/g, (_m, key: string) => values[key]);
}

/**
 * The environment integrated terminals get, so a tool or an agent started there can
 * report to this window's server: always SESSIONPROF_URL / SESSIONPROF_TOKEN, and with
 * `sessionprof.terminal.otel` the OpenTelemetry exporter variables (OTLP/HTTP JSON).
 */
import type { Endpoint } from "./protocol";

export const BASE_VARS = ["SESSIONPROF_URL", "SESSIONPROF_TOKEN"] as const;
export const OTEL_VARS = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "CLAUDE_CODE_ENABLE_TELEMETRY",
  "OTEL_LOGS_EXPORTER",
  "OTEL_METRICS_EXPORTER",
] as const;

/** The variables to set; every other variable of BASE_VARS/OTEL_VARS is to be removed. */
export function terminalEnvironment(endpoint: Endpoint, otel: boolean): Record<string, string> {
  const url = endpoint.url.replace(/\/+$/, "");
  const env: Record<string, string> = {
    SESSIONPROF_URL: url,
    SESSIONPROF_TOKEN: endpoint.token,
  };
  if (otel) {
    env.OTEL_EXPORTER_OTLP_ENDPOINT = url;
    env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
    // OTEL_EXPORTER_OTLP_HEADERS values are URL-encoded (the space after Bearer).
    env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=${encodeURIComponent(`Bearer ${endpoint.token}`)}`;
    env.CLAUDE_CODE_ENABLE_TELEMETRY = "1";
    env.OTEL_LOGS_EXPORTER = "otlp";
    env.OTEL_METRICS_EXPORTER = "otlp";
  }
  return env;
}

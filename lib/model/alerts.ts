/**
 * Alert rules from the command line: `--alert 'queue_size>50'`,
 * `--alert 'workers.error>=1'`, `--alert 'stage_duration>30s'`.
 *
 * Form: `FIELD OP NUMBER[UNIT]`, OP one of `> >= < <= == !=`, UNIT one of
 * `ms s m h` (durations, compared in ms) or none. Fields are what the
 * monitor offers (see README). Pure; time comes in as a parameter.
 *
 * @module
 */

/** A comparison operator. */
export type AlertOp = ">" | ">=" | "<" | "<=" | "==" | "!=";

/** One parsed rule and its live state. */
export interface Alert {
  /** The rule as written. */
  text: string;
  field: string;
  op: AlertOp;
  /** Threshold (durations in ms). */
  value: number;
  /** True while the condition holds. */
  active: boolean;
  /** When it last triggered (ms). */
  since: number | null;
  /** Times it triggered. */
  triggered: number;
}

const RULE = /^\s*([A-Za-z_][\w.]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses one rule; throws TypeError with the expected form. */
export function parseAlert(text: string): Alert {
  const m = RULE.exec(text);
  if (!m) {
    throw new TypeError(
      `Cannot use alert as it is not FIELD OP NUMBER[ms|s|m|h] (e.g. queue_size>50): current value is ${text}`,
    );
  }
  return {
    text: text.trim(),
    field: m[1],
    op: m[2] as AlertOp,
    value: Number(m[3]) * (m[4] ? UNIT_MS[m[4]] : 1),
    active: false,
    since: null,
    triggered: 0,
  };
}

function holds(op: AlertOp, actual: number, value: number): boolean {
  switch (op) {
    case ">":
      return actual > value;
    case ">=":
      return actual >= value;
    case "<":
      return actual < value;
    case "<=":
      return actual <= value;
    case "==":
      return actual === value;
    case "!=":
      return actual !== value;
  }
}

/** A change of an alert's state. */
export interface AlertChange {
  alert: Alert;
  kind: "triggered" | "cleared";
  /** The field's value at the change. */
  actual: number | undefined;
}

/**
 * Evaluates every alert against `values` (a field missing from `values`
 * never triggers) and returns what changed. Updates the alerts in place.
 */
export function evaluateAlerts(
  alerts: Alert[],
  values: Record<string, number | undefined>,
  now: number,
): AlertChange[] {
  const changes: AlertChange[] = [];
  for (const alert of alerts) {
    const actual = values[alert.field];
    const on = actual !== undefined && Number.isFinite(actual) && holds(alert.op, actual, alert.value);
    if (on && !alert.active) {
      alert.active = true;
      alert.since = now;
      alert.triggered++;
      changes.push({ alert, kind: "triggered", actual });
    } else if (!on && alert.active) {
      alert.active = false;
      changes.push({ alert, kind: "cleared", actual });
    }
  }
  return changes;
}

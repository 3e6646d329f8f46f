/**
 * A JSON value as a collapsible tree with a Copy button (the whole value, pretty-printed).
 * Objects and arrays are native <details> (keyboard and screen-reader friendly without
 * extra ARIA); a branch draws its children only once opened, and long arrays show their
 * first items with "Show more", so a large result costs little until someone looks.
 */
import { useState } from "react";
import type { JsonValue } from "../graph/types";
import { CopyButton } from "./CopyButton";

/** Items of an array drawn at first, and added per "Show more". */
export const ARRAY_PAGE = 100;

export interface JsonTreeProps {
  value: JsonValue | undefined;
  /** Names the tree (its heading text and accessible name), e.g. "Result of fetch". */
  label: string;
  /** Levels open at first: 1 opens the top object, 0 leaves it closed. */
  openDepth?: number;
}

export function JsonTree({ value, label, openDepth = 1 }: JsonTreeProps) {
  const v = value === undefined ? null : value;
  return (
    <div className="json-tree">
      <div className="json-tree-bar">
        <span className="json-tree-label">{label}</span>
        <CopyButton className="small" text={JSON.stringify(v, null, 2)} label={`Copy ${label}`} />
      </div>
      {/* Focusable: the body scrolls, and arrow keys must reach what the mouse can scroll to. */}
      <div className="json-tree-body" role="group" aria-label={label} tabIndex={0}>
        <Branch value={v} depth={0} openDepth={openDepth} />
      </div>
    </div>
  );
}

type Kind = "object" | "array" | "string" | "number" | "boolean" | "null";

const kindOf = (v: JsonValue): Kind => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : (typeof v as Kind));

function Branch({ name, value, depth, openDepth }: { name?: string; value: JsonValue; depth: number; openDepth: number }) {
  const kind = kindOf(value);
  if (kind !== "object" && kind !== "array") {
    return (
      <div className="jt-leaf">
        {name !== undefined && <span className="jt-key">{name}: </span>}
        <span className={`jt-${kind}`}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  return <Node name={name} value={value as JsonValue[] | Record<string, JsonValue>} depth={depth} openDepth={openDepth} />;
}

function Node({ name, value, depth, openDepth }: { name?: string; value: JsonValue[] | Record<string, JsonValue>; depth: number; openDepth: number }) {
  const [open, setOpen] = useState(depth < openDepth);
  const [shown, setShown] = useState(ARRAY_PAGE);
  const isArray = Array.isArray(value);
  const entries: [string, JsonValue][] = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = isArray
    ? `[${entries.length === 1 ? "1 item" : `${entries.length} items`}]`
    : `{${entries.length === 1 ? "1 key" : `${entries.length} keys`}}`;
  return (
    <details className="jt-node" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        {name !== undefined && <span className="jt-key">{name}: </span>}
        <span className="jt-summary">{summary}</span>
      </summary>
      {open && (
        <div className="jt-children">
          {entries.slice(0, shown).map(([k, v]) => (
            <Branch key={k} name={k} value={v} depth={depth + 1} openDepth={openDepth} />
          ))}
          {entries.length > shown && (
            <button type="button" className="small jt-more" onClick={() => setShown((n) => n + ARRAY_PAGE)}>
              Show {Math.min(ARRAY_PAGE, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
        </div>
      )}
    </details>
  );
}

/**
 * Step type icons, drawn as inline SVG rather than Unicode symbols: symbol glyphs depend on
 * the fonts of the viewer's machine (a Linux browser without an emoji font shows the hand of
 * `human_task` as an empty box), while a path looks the same everywhere and takes the
 * text colour. Decorative only: the type is also written next to the icon.
 */
import type { ReactNode } from "react";

/** 16×16 stroke drawings, one per step type. */
const PATHS: Record<string, ReactNode> = {
  // A plug: two prongs and a cord.
  mcp_call: <path d="M5 2v4M11 2v4M3.5 6h9v2.5a4.5 4.5 0 0 1-9 0zM8 13v2" />,
  // A four-pointed spark.
  llm_call: <path d="M8 1.5 9.6 6.4 14.5 8 9.6 9.6 8 14.5 6.4 9.6 1.5 8 6.4 6.4z" />,
  // A person: head and shoulders.
  human_task: <path d="M8 2.2a2.6 2.6 0 1 1 0 5.2 2.6 2.6 0 0 1 0-5.2zM2.8 14.5c.6-3 2.7-4.6 5.2-4.6s4.6 1.6 5.2 4.6" />,
  // A lambda.
  lua_script: <path d="M4 2.5h2.2L12.5 14M8.4 7.3 3.5 14" />,
  // Arrows around a circle: repeat for each item.
  for_each: <path d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9M12.5 1.5v3h-3" />,
  // An open loop with a guard line: repeat while a condition holds.
  while: <path d="M3 11.5a4.5 4.5 0 1 1 9 0M12 11.5l-2-2M12 11.5l2-2M2 14.5h12" />,
  // A small robot head.
  agent_call: <path d="M3 5.5h10v8H3zM8 2v3.5M6 9h.01M10 9h.01M6 11.5h4" />,
};

const UNKNOWN = <path d="M6 6a2 2 0 1 1 2.8 1.8c-.5.3-.8.7-.8 1.2v1M8 13h.01" />;

export function StepIcon({ type }: { type: string }) {
  return (
    <svg className="step-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      <g fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round">
        {PATHS[type] ?? UNKNOWN}
      </g>
    </svg>
  );
}

/** The step type's icon on its type colour (cards, the gallery, the inspector). */
export function TypeChip({ type }: { type: string }) {
  return (
    <span className={`type-chip type-${type}`}>
      <StepIcon type={type} />
    </span>
  );
}

/** Ask (read-only answers) or Autopilot (may create and run workflows), as a segmented control. */
import type { AutopilotMode } from "../api/types";

const MODES: { mode: AutopilotMode; label: string; hint: string }[] = [
  { mode: "ask", label: "Ask", hint: "Answers only; changes nothing" },
  { mode: "autopilot", label: "Autopilot", hint: "May create and run workflows, with your permissions" },
];

export function ModeSwitch({ mode, onChange }: { mode: AutopilotMode; onChange: (mode: AutopilotMode) => void }) {
  return (
    <div className="mode-switch" role="group" aria-label="Mode">
      {MODES.map((m) => (
        <button key={m.mode} type="button" className="small" aria-pressed={mode === m.mode} title={m.hint} onClick={() => onChange(m.mode)}>
          {m.label}
        </button>
      ))}
    </div>
  );
}

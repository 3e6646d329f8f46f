/**
 * The palette of step types: drag one onto the canvas (or into a loop box), or press it to
 * add the step without a mouse.
 */
import { STEP_TYPE_INFO } from "../graph/stepFields";
import { STEP_TYPES, type StepType } from "../graph/types";
import { STEP_DRAG_TYPE } from "./Canvas";
import { StepIcon } from "./icons";

export function Palette({ onAdd }: { onAdd: (type: StepType) => void }) {
  return (
    <section className="palette" aria-label="Step palette">
      <h2>Steps</h2>
      <p className="muted">Drag onto the canvas, or press to add.</p>
      <ul>
        {STEP_TYPES.map((type) => (
          <li key={type}>
            <button
              type="button"
              className={`palette-item type-${type}`}
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(STEP_DRAG_TYPE, type);
                e.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => onAdd(type)}
              aria-label={`Add ${STEP_TYPE_INFO[type].label} step`}
              title={STEP_TYPE_INFO[type].description}
              data-step-type={type}
            >
              <StepIcon type={type} />
              {STEP_TYPE_INFO[type].label}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

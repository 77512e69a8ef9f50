// The overlay editor's canvas over the framed video: the highlight as the renderer
// draws it (previewLayers from ./ellipse.js), then the editor's own guides (a dashed
// outline and four handles), and the ellipse dragged by mouse, pen or touch (move
// inside it, resize by a handle).
//
//   const stage = highlightStage(canvas, { frame, highlight, active, effect, guides, onGrab, onCommit }, disposer)
//   active()  → { region, ellipse, drawn } or null: the ellipse at the playhead, and whether the render
//               draws it there (an enabled region, start <= t < end)
//   effect()  → the overlay's effect; guides() → whether to draw the guides (not while playing)
//   onGrab(region) before a drag; onCommit(region, ellipse) after one that moved
//   stage.draw(); stage.dragging → the ellipse being dragged, or null

import { dragWith } from "./editor-kit.js";
import { previewLayers } from "./ellipse.js";
import { clamp } from "./ui.js";

const GRAB_PX = 14; // how near (screen pixels) a handle can be grabbed
const CURSORS = { e: "ew-resize", w: "ew-resize", n: "ns-resize", s: "ns-resize", move: "move" };

const handlePoints = (e) => [
  [e.x + e.radius_x, e.y, "e"],
  [e.x - e.radius_x, e.y, "w"],
  [e.x, e.y + e.radius_y, "s"],
  [e.x, e.y - e.radius_y, "n"],
];

export function highlightStage(canvas, { frame, highlight, active, effect, guides, onGrab, onCommit }, disposer) {
  const stage = { dragging: null, draw };
  const ellipsePath = (context, e) => context.ellipse(e.x, e.y, e.radius_x, e.radius_y, 0, 0, Math.PI * 2);

  function current() {
    const found = active();
    return found && stage.dragging ? { ...found, ellipse: stage.dragging } : found;
  }

  function draw() {
    const box = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(box.width * ratio));
    const height = Math.max(1, Math.round(box.height * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const context = canvas.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    const scale = width / frame.width;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    const found = current();
    if (!found) return;
    const { ellipse, region, drawn } = found;
    if (drawn) {
      const { inside, outside } = previewLayers(effect(), ellipse, highlight);
      context.save();
      if (inside) {
        context.beginPath();
        ellipsePath(context, ellipse);
        context.globalAlpha = clamp(inside.alpha, 0, 1);
        context.fillStyle = inside.colour;
        context.fill();
      }
      if (outside) {
        context.beginPath();
        context.rect(0, 0, frame.width, frame.height);
        ellipsePath(context, ellipse);
        context.globalAlpha = clamp(outside.alpha, 0, 1);
        context.fillStyle = outside.colour;
        context.fill("evenodd");
      }
      context.restore();
    }
    if (!guides()) return;
    const px = 1 / scale;
    context.save();
    context.lineWidth = 1.5 * px;
    context.setLineDash([5 * px, 4 * px]);
    context.strokeStyle = region.enabled ? "rgba(255,255,255,0.9)" : "rgba(255,255,255,0.45)";
    context.beginPath();
    ellipsePath(context, ellipse);
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = "#ffffff";
    context.strokeStyle = "#1b1f27";
    const half = (window.matchMedia("(pointer: coarse)").matches ? 9 : 5) * px; // a finger needs a bigger target
    for (const [hx, hy] of handlePoints(ellipse)) {
      context.beginPath();
      context.rect(hx - half, hy - half, 2 * half, 2 * half);
      context.fill();
      context.stroke();
    }
    context.restore();
  }

  function framePoint(event) {
    const box = canvas.getBoundingClientRect();
    const scale = box.width / frame.width;
    return { x: (event.clientX - box.left) / scale, y: (event.clientY - box.top) / scale, scale };
  }

  /** What a pointer at `point` would grab: a handle ("e", "w", "n", "s"), the ellipse ("move"), or null. */
  function grabbed(ellipse, point) {
    const reach = GRAB_PX / point.scale;
    const handle = handlePoints(ellipse).find(([hx, hy]) => Math.abs(hx - point.x) <= reach && Math.abs(hy - point.y) <= reach);
    const inside = ((point.x - ellipse.x) / ellipse.radius_x) ** 2 + ((point.y - ellipse.y) / ellipse.radius_y) ** 2 <= 1;
    return handle ? handle[2] : inside ? "move" : null;
  }

  function dragged(start, target, mx, my) {
    const next = { ...start };
    const smallest = frame.height * 0.01;
    if (target === "move") {
      next.x = clamp(start.x + mx, 0, frame.width);
      next.y = clamp(start.y + my, 0, frame.height);
    } else if (target === "e") next.radius_x = clamp(start.radius_x + mx, smallest, frame.width);
    else if (target === "w") next.radius_x = clamp(start.radius_x - mx, smallest, frame.width);
    else if (target === "s") next.radius_y = clamp(start.radius_y + my, smallest, frame.height);
    else if (target === "n") next.radius_y = clamp(start.radius_y - my, smallest, frame.height);
    return next;
  }

  disposer.listen(canvas, "pointerdown", (event) => {
    if (event.button > 0) return;
    const found = active();
    if (!found) return;
    const point = framePoint(event);
    const start = { ...found.ellipse };
    const target = grabbed(start, point);
    if (!target || onGrab(found.region) === false) return;
    let moved = false;
    dragWith(event, {
      onMove: (dx, dy) => {
        moved = moved || Math.abs(dx) + Math.abs(dy) > 1;
        stage.dragging = dragged(start, target, dx / point.scale, dy / point.scale);
        draw();
      },
      onEnd: () => {
        const ellipse = stage.dragging;
        stage.dragging = null;
        if (moved && ellipse) onCommit(found.region, ellipse);
        else draw();
      },
    });
  });
  disposer.listen(canvas, "pointermove", (event) => {
    if (event.buttons) return;
    const found = guides() ? active() : null;
    canvas.style.cursor = (found && CURSORS[grabbed(found.ellipse, framePoint(event))]) || "default";
  });
  const resizeObserver = new ResizeObserver(() => draw());
  resizeObserver.observe(canvas);
  disposer.add(() => resizeObserver.disconnect());
  return stage;
}

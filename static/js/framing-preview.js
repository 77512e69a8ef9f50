// The framing editor's live preview: the crop box's part of the video's current
// frame, drawn on a canvas of the project's shape (what the render cuts); redrawn
// as the box moves, when a seek lands and when the first frame arrives; black until
// the video has a frame.
//
//   const preview = framingPreview(video, { aspectRatio, aspect, source, rect }, disposer)
//   aspectRatio: the project's "9:16"; aspect: its width / height; source() → the game
//   video's {width, height}; rect() → the crop box shown, in source pixels.
//   preview.panel (the "Preview" section), preview.draw(), preview.load() on a clip change

import { el } from "./ui.js";

export function framingPreview(video, { aspectRatio, aspect, source, rect }, disposer) {
  const canvas = el("canvas", { id: "framing-preview", class: "framing-preview", "aria-label": "The framed result" });
  const panel = el(
    "section",
    { class: "panel preview-panel" },
    el("h2", { text: `Preview · ${aspectRatio}` }),
    el("div", { class: "preview-frame" }, canvas),
  );

  function draw() {
    const { width: W, height: H } = source();
    const box = rect();
    const context = canvas.getContext("2d");
    if (!context) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const sx = video.videoWidth / W;
      const sy = video.videoHeight / H;
      context.drawImage(video, box.x * sx, box.y * sy, box.width * sx, box.height * sy, 0, 0, canvas.width, canvas.height);
    } else {
      context.fillStyle = "#000";
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
  }

  function load() {
    canvas.height = Math.min(source().height, 480);
    canvas.width = Math.max(2, Math.round(canvas.height * aspect));
    canvas.style.aspectRatio = aspectRatio.replace(":", " / ");
  }

  disposer.listen(video, "loadeddata", () => draw());
  disposer.listen(video, "seeked", () => draw());
  return { panel, draw, load };
}

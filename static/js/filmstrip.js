// Filmstrip: frames of a video drawn under a timeline, from the sprite sheet the
// server makes (games/pictures.py; `filmstrip` in the game and clip API):
// {url, columns, rows, tile_width, tile_height, interval, count}, where tile i,
// at column i % columns and row i // columns, shows the video at i * interval s.
//
//   const stop = mountFilmstrip(container, game.filmstrip, { start: 0, end: duration });
//   ...
//   stop();  // on unmount: stops watching the size, empties the container
//
// The strip spans [start, end] across the container's width, as many tiles as fit
// at the container's height; it redraws when the container is resized.

import { clamp, el } from "./ui.js";

/** The tile that shows time `t` (seconds): the nearest one made, halves up
 * (games/filmstrip.py tile_at; checked against games/filmstrip_fixture.json). */
export function tileAt(sheet, t) {
  return clamp(Math.floor(t / sheet.interval + 0.5), 0, sheet.count - 1);
}

/** Slots across a strip `width` x `height` px for [start, end]: each with its left
 * edge and width (px), the time at its middle, its tile, and the background
 * position and size that show that tile of the sheet scaled to the slot. */
export function filmstripSlots(sheet, { start, end, width, height }) {
  if (!(width > 0) || !(height > 0) || !(end > start)) return [];
  const natural = height * (sheet.tile_width / sheet.tile_height);
  const count = Math.max(1, Math.ceil(width / natural));
  const slot = width / count;
  const slots = [];
  for (let j = 0; j < count; j += 1) {
    const time = start + ((j + 0.5) / count) * (end - start);
    const index = tileAt(sheet, time);
    const column = index % sheet.columns;
    const row = Math.floor(index / sheet.columns);
    slots.push({
      left: j * slot, width: slot, time, index,
      position: `${-column * slot}px ${-row * height}px`,
      size: `${sheet.columns * slot}px ${sheet.rows * height}px`,
    });
  }
  return slots;
}

/** Draw `sheet` in `container` for [start, end]; returns a cleanup function. A
 * missing sheet (not made yet) draws nothing. */
export function mountFilmstrip(container, sheet, { start = 0, end } = {}) {
  if (!sheet) return () => {};
  const last = end ?? sheet.count * sheet.interval;
  container.classList.add("filmstrip");
  container.setAttribute("aria-hidden", "true");
  let drawn = "";
  const draw = () => {
    const { width, height } = container.getBoundingClientRect();
    const key = `${Math.round(width)}x${Math.round(height)}`;
    if (key === drawn) return;
    drawn = key;
    container.replaceChildren(...filmstripSlots(sheet, { start, end: last, width, height }).map((slot) =>
      el("span", {
        class: "filmstrip-tile",
        dataset: { tile: String(slot.index) },
        style: `left:${slot.left}px;width:${Math.ceil(slot.width)}px;`
          + `background-image:url("${sheet.url}");background-position:${slot.position};`
          + `background-size:${slot.size}`,
      })));
  };
  const observer = new ResizeObserver(draw);
  observer.observe(container);
  draw();
  return () => {
    observer.disconnect();
    container.replaceChildren();
    container.classList.remove("filmstrip");
  };
}

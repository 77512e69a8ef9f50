// The annotate page's video: the server's file once it is ready, or, while this tab
// uploads it, the file itself (clips are saved as they are made); a sentence and a
// link where there is none yet; full screen; and the panel that replaces (or first
// uploads) the game's video through the upload engine (./upload.js), after which the
// server cuts the clips again from the new video.
//
//   const player = gameVideo(root, { shell, gameId, game(), transport, singleMaxBytes }, disposer)
//   player.load(): shows what plays now; player.start(): load, and the progress of a running upload;
//   player.local(): whether the file uploading in this tab is what plays; player.toggleFullscreen()
//   player.gone(sentence): the game was deleted elsewhere: stop the video and say so (for good)

import { bytes, el } from "./ui.js";
import { onUploadChange, startUpload, uploadOf } from "./upload.js";

const MISSING = {
  uploading: "The video is uploading from another tab or device. This page shows it as soon as it is ready.",
  processing: "The video has arrived and is being checked…",
  invalid: "The uploaded file could not be read as a video. Upload it again.",
  none: "This game has no video yet.",
};

export function gameVideo(root, { shell, gameId, game, transport, singleMaxBytes }, disposer) {
  const $ = (selector) => root.querySelector(selector);
  const video = $("#video");
  const playerError = $("#player-error");
  let local = null; // {file, url} while this tab's upload of the video runs
  let deleted = false; // the game was deleted elsewhere: its file is gone, and its errors say nothing new
  disposer.add(() => local && URL.revokeObjectURL(local.url));

  const runningUpload = () => {
    const upload = uploadOf(gameId);
    return upload && !["failed", "cancelled"].includes(upload.state) ? upload : null;
  };

  function load() {
    if (deleted) return;
    const missing = $("#video-missing");
    const upload = runningUpload();
    const current = game();
    if (upload) {
      // The file being uploaded plays here at once (clips are saved as they are made).
      if (!local || local.file !== upload.file) {
        if (local) URL.revokeObjectURL(local.url);
        local = { file: upload.file, url: URL.createObjectURL(upload.file) };
        video.src = local.url;
      }
      $("#local-note").hidden = false;
      missing.hidden = true;
      video.hidden = false;
    } else {
      if (local) {
        URL.revokeObjectURL(local.url);
        local = null;
        video.removeAttribute("src");
      }
      $("#local-note").hidden = true;
      // A replacement uploading elsewhere leaves the current video playable meanwhile.
      if (current.video.url) {
        missing.hidden = true;
        video.hidden = false;
        if (video.getAttribute("src") !== current.video.url) video.src = current.video.url;
      } else {
        video.hidden = true;
        missing.hidden = false;
        missing.replaceChildren(
          el("p", { text: MISSING[current.video.status] || "The video is not ready." }),
          current.video.status === "processing"
            ? null
            : el("a", { href: `/games/new/?game=${gameId}`, class: "button-link", text: current.upload ? "Continue the upload" : "Upload the video" }),
        );
      }
    }
    const stepping = Boolean(transport.fps);
    for (const id of ["#frame-back", "#frame-forward"]) {
      $(id).disabled = !stepping;
      $(id).title = stepping ? $(id).title.replace(/ —.*$/, "") : "Frame steps use the video's measured frame rate, known once the upload is checked";
    }
    $("#replace-label").textContent = current.video.status === "none" && !upload ? "Upload video" : "Replace video";
  }
  disposer.listen(video, "error", () => {
    if (deleted || !video.getAttribute("src")) return;
    const { codec } = game().video;
    playerError.textContent = "This browser cannot play the video" + (codec ? ` (${codec}).` : ".");
  });

  // --- full screen --------------------------------------------------------------------------
  const stage = $("#stage");
  const fullscreenButton = $("#fullscreen");
  function toggleFullscreen() {
    if (document.fullscreenElement) return document.exitFullscreen().catch(() => {});
    if (!stage.requestFullscreen) {
      playerError.textContent = "This browser cannot show the video full screen.";
      return null;
    }
    return stage.requestFullscreen().catch(() => {
      playerError.textContent = "The browser refused full screen.";
    });
  }
  disposer.listen(fullscreenButton, "click", toggleFullscreen);
  disposer.listen(document, "fullscreenchange", () => {
    const on = document.fullscreenElement === stage;
    fullscreenButton.setAttribute("aria-pressed", String(on));
    fullscreenButton.textContent = on ? "Exit full screen" : "Full screen";
  });
  disposer.add(() => {
    if (document.fullscreenElement === stage) document.exitFullscreen().catch(() => {});
  });

  // --- replacing the video (the upload engine re-cuts the clips on the server) ---------------
  const replacePanel = $("#replace-panel");
  let chosenFile = null;
  const showUpload = (upload) => {
    if (!upload || upload.gameId !== gameId) return;
    replacePanel.hidden = false;
    $("#replace-confirm").hidden = true;
    $("#replace-progress").hidden = false;
    $("#replace-meter").value = upload.percent;
    const words = upload.state === "done" ? "Uploaded. The clips are being cut again from the new video." : upload.describe();
    $("#replace-question").textContent = upload.state === "done" ? `${upload.file.name} is the game's video now.` : `Uploading ${upload.file.name}…`;
    $("#replace-state").textContent = words;
    $("#replace-error").textContent = upload.state === "failed" ? upload.error : "";
  };
  disposer.add(
    onUploadChange((upload) => {
      if (upload.gameId !== gameId) return;
      showUpload(upload);
      if (!local || local.file !== upload.file || upload.finished) load();
    }),
  );
  disposer.listen($("#replace-file"), "change", (event) => {
    chosenFile = event.target.files[0] || null;
    event.target.value = "";
    if (!chosenFile) return;
    const replacing = game().video.status !== "none";
    $("#replace-question").textContent = replacing
      ? `Replace the video with ${chosenFile.name} (${bytes(chosenFile.size)})? Clips will be cut again from the new video.`
      : `Upload ${chosenFile.name} (${bytes(chosenFile.size)}) as this game's video?`;
    $("#replace-go").textContent = replacing ? "Replace and cut again" : "Upload";
    $("#replace-confirm").hidden = false;
    $("#replace-progress").hidden = true;
    $("#replace-error").textContent = "";
    replacePanel.hidden = false;
  });
  disposer.listen($("#replace-cancel"), "click", () => {
    chosenFile = null;
    replacePanel.hidden = true;
  });
  disposer.listen($("#replace-go"), "click", () => {
    if (!chosenFile) return;
    try {
      const upload = startUpload({ gameId, gameName: game().display_name, file: chosenFile, shell, singleMaxBytes });
      chosenFile = null;
      showUpload(upload);
      load();
    } catch (error) {
      $("#replace-error").textContent = error.message;
    }
  });

  return {
    load,
    gone(...sentence) {
      deleted = true;
      transport.pause();
      video.removeAttribute("src");
      video.load();
      playerError.replaceChildren(...sentence);
    },
    start() {
      load();
      const running = runningUpload();
      if (running) showUpload(running);
    },
    local: () => Boolean(local),
    toggleFullscreen,
  };
}

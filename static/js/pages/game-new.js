// New game: details, then the video upload (run by the tab-wide engine in
// upload.js, so it survives navigating away). /games/new/?game=<id> adds or
// continues the video of an existing game.

import { formatBytes, onUploadChange, startUpload, uploadOf } from "../upload.js";

function todayISO() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

export async function mount(root, data, shell) {
  const { api } = shell;
  const $ = (selector) => root.querySelector(selector);
  const form = $("#game-form");
  const fileInput = $("#video-file");
  const dropzone = $("#dropzone");
  const formError = $("#form-error");
  const submit = $("#submit-game");
  const singleMaxBytes = Number(data.upload_single_max_bytes) || 100 * 2 ** 20;
  let game = null; // the game being filled (created here, or ?game=<id>)
  let chosen = null; // the File
  let shown = null; // the Upload shown in the panel
  const unsubscribe = [];

  $("#game-date").value = todayISO();

  // --- details ---------------------------------------------------------------------------
  const tournamentField = $("#tournament-field");
  const showTournament = () => {
    tournamentField.hidden = form.elements.game_type.value !== "tournament";
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "game_type") showTournament();
  });
  showTournament();
  api("GET", "/api/games/tournaments")
    .then(({ tournaments }) => {
      $("#tournament-list").replaceChildren(
        ...tournaments.map((name) => Object.assign(document.createElement("option"), { value: name })),
      );
    })
    .catch(() => {});

  // --- file choice -------------------------------------------------------------------------
  const choose = (file) => {
    chosen = file || null;
    dropzone.classList.toggle("has-file", Boolean(chosen));
    $("#drop-title").textContent = chosen ? chosen.name : "Drop the match video here";
    $("#drop-hint").textContent = chosen ? `${formatBytes(chosen.size)} · click to choose another file` : "or click to choose a file (MP4, MOV, MKV…)";
    formError.textContent = "";
    if (chosen && game && game.upload && sameFile(game.upload, chosen)) start(); // continue right away
  };
  const sameFile = (upload, file) => upload.filename === file.name && upload.size === file.size;
  fileInput.addEventListener("change", () => choose(fileInput.files[0]));
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, () => dropzone.classList.remove("dragging"));
  }
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) choose(file);
  });

  // --- an existing game (?game=<id>) -----------------------------------------------------
  const useGame = (fresh) => {
    game = fresh;
    $("#details").hidden = true;
    const existing = $("#existing-game");
    existing.hidden = false;
    existing.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = fresh.display_name;
    const state = document.createElement("span");
    state.className = "muted";
    state.textContent = { ready: " · has a video (a new upload replaces it)", none: " · no video yet" }[fresh.video.status] || "";
    existing.append(title, state);
    $("#new-title").textContent = fresh.video.status === "ready" ? "Replace the video" : "Add the video";
    submit.textContent = "Upload";
    const hint = $("#resume-hint");
    hint.hidden = !fresh.upload;
    if (fresh.upload) {
      hint.textContent = `An upload of ${fresh.upload.filename} (${formatBytes(fresh.upload.size)}) stopped before it finished. Choose that same file to continue it.`;
    }
  };
  const params = new URLSearchParams(window.location.search);
  if (params.get("game")) {
    try {
      useGame(await api("GET", `/api/games/${Number(params.get("game"))}`));
    } catch (error) {
      formError.textContent = error.message;
    }
  }

  // --- the upload panel ------------------------------------------------------------------
  const panel = $("#upload-panel");
  const render = () => {
    const upload = shown;
    if (!upload) return;
    panel.hidden = false;
    panel.dataset.state = upload.state;
    $("#upload-game-name").textContent = upload.gameName;
    $("#upload-file").textContent = `${upload.file.name} · ${formatBytes(upload.total)}`;
    $("#upload-progress").value = upload.percent;
    $("#upload-percent").textContent = `${Math.floor(upload.percent)}%`;
    $("#upload-state").textContent = upload.state === "failed" ? "Stopped" : upload.describe();
    $("#upload-error").textContent = upload.state === "failed" || upload.error ? upload.error : "";
    $("#upload-pause").hidden = !upload.active || upload.state === "finishing";
    $("#upload-resume").hidden = !(upload.state === "paused" || upload.state === "failed");
    $("#upload-resume").textContent = upload.state === "failed" ? "Try again" : "Resume";
    $("#upload-cancel").hidden = upload.finished;
    const link = $("#annotate-link");
    link.href = `/games/${upload.gameId}/`;
    link.classList.toggle("ready", upload.state === "done");
    link.textContent = upload.state === "done" ? "Annotate this game" : "Open the annotate page";
    const busy = upload.active || upload.state === "paused";
    submit.disabled = busy;
    fileInput.disabled = busy;
    dropzone.classList.toggle("disabled", busy);
  };
  const show = (upload) => {
    shown = upload;
    render();
  };
  unsubscribe.push(onUploadChange((upload) => upload === shown && render()));
  $("#upload-pause").addEventListener("click", () => shown && shown.pause());
  $("#upload-resume").addEventListener("click", () => shown && shown.resume());
  $("#upload-cancel").addEventListener("click", async () => {
    if (shown) await shown.cancel();
    if (game) useGame(await api("GET", `/api/games/${game.id}`));
  });
  if (game && uploadOf(game.id)) show(uploadOf(game.id));

  // --- unfinished uploads of other games -------------------------------------------------
  const listUnfinished = async () => {
    try {
      const page = await api("GET", "/api/games?limit=50");
      const items = page.results.filter(
        (g) => g.upload && (!game || g.id !== game.id) && !(uploadOf(g.id) && !uploadOf(g.id).finished),
      );
      $("#unfinished").hidden = items.length === 0;
      $("#unfinished-list").replaceChildren(
        ...items.map((g) => {
          const li = document.createElement("li");
          const link = document.createElement("a");
          link.href = `/games/new/?game=${g.id}`;
          link.textContent = g.display_name;
          const file = document.createElement("span");
          file.className = "muted small";
          // An upload whose client never said its size (Uppy) shows none rather than 0 B.
          file.textContent = g.upload.size ? `${g.upload.filename} · ${formatBytes(g.upload.size)}` : g.upload.filename;
          li.append(link, file);
          return li;
        }),
      );
    } catch {
      /* optional */
    }
  };
  listUnfinished();

  // --- create, then upload ---------------------------------------------------------------
  const start = () => {
    formError.textContent = "";
    try {
      const upload = startUpload({
        gameId: game.id, gameName: game.display_name, file: chosen, singleMaxBytes, shell,
      });
      show(upload);
    } catch (error) {
      formError.textContent = error.message;
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    if (!game) {
      const values = {
        opponent_name: form.elements.opponent_name.value.trim(),
        game_date: form.elements.game_date.value || null,
        game_type: form.elements.game_type.value,
        tournament_name: form.elements.game_type.value === "tournament" ? form.elements.tournament_name.value.trim() : "",
      };
      if (!values.opponent_name) {
        formError.textContent = "Who was the opponent? Give a name so you can find this game later.";
        form.elements.opponent_name.focus();
        return;
      }
      if (values.game_type === "tournament" && !values.tournament_name) {
        formError.textContent = "A tournament game needs the tournament's name.";
        form.elements.tournament_name.focus();
        return;
      }
      submit.disabled = true;
      try {
        useGame(await api("POST", "/api/games", values));
        history.replaceState(history.state, "", `/games/new/?game=${game.id}`);
      } catch (error) {
        formError.textContent = error.message;
        return;
      } finally {
        submit.disabled = false;
      }
      if (!chosen) {
        formError.textContent = "";
        shell.notificationCenter.say("success", "Game created", "Now choose its video to upload.");
        return;
      }
    }
    if (!chosen) {
      formError.textContent = "Choose the match video first.";
      return;
    }
    start();
  });

  return () => {
    for (const stop of unsubscribe) stop();
  };
}

// New game: details, then the video upload (run by the tab-wide engine in
// upload.js, so it survives navigating away). /games/new/?game=<id> adds,
// continues or replaces the video of an existing game.
//
// The upload panel tells the truth: an upload running in this tab (started
// here, or before a soft navigation away and back) shows as running, with Pause
// and Cancel and the Upload button disabled; after a reload, an upload the
// server holds unfinished shows what is stored and asks for the same file.

import { vocabulary } from "../vocabulary.js";
import { bytes, el } from "../ui.js";
import { allUploads, onUploadChange, startUpload, storedBytes, uploadOf } from "../upload.js";

function todayISO() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

const sameFile = (session, file) => session.filename === file.name && session.size === file.size;

export async function mount(root, data, shell) {
  const { api } = shell;
  const $ = (selector) => root.querySelector(selector);
  const form = $("#game-form");
  const fileInput = $("#video-file");
  const dropzone = $("#dropzone");
  const formError = $("#form-error");
  const submit = $("#submit-game");
  const hint = $("#resume-hint");
  const panel = $("#upload-panel");
  const singleMaxBytes = vocabulary.limits.upload_single_max_bytes;
  let game = null; // the game being filled (created here, or ?game=<id>)
  let chosen = null; // the File
  let unfinished = null; // {session, stored}: the server's unfinished upload of `game`, none running here
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
      $("#tournament-list").replaceChildren(...tournaments.map((name) => el("option", { value: name })));
    })
    .catch(() => {});

  // --- file choice -------------------------------------------------------------------------
  const choose = (file) => {
    chosen = file || null;
    formError.textContent = "";
    render();
    if (chosen && unfinished && sameFile(unfinished.session, chosen)) start(); // continue right away
    else if (chosen && unfinished) {
      formError.textContent = `That is not the file this upload was started with (${unfinished.session.filename}). Choose that file to resume, or cancel the upload to send another.`;
    }
  };
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
    if (file && !dropzone.classList.contains("disabled")) choose(file);
  });

  // --- the upload panel ------------------------------------------------------------------
  const running = () => (game ? uploadOf(game.id) : null);

  /** Show one of: this tab's upload, the server's unfinished one, or nothing. */
  const render = () => {
    const upload = running();
    const busy = Boolean(upload && (upload.active || upload.state === "paused"));
    submit.disabled = busy;
    fileInput.disabled = busy;
    dropzone.classList.toggle("disabled", busy);
    submit.textContent = busy ? "Uploading…" : unfinished && !upload ? "Resume upload" : game ? "Upload" : "Create game and upload";
    hint.hidden = !(unfinished && !upload);
    dropzone.classList.toggle("has-file", Boolean(busy || chosen));
    if (busy) {
      $("#drop-title").textContent = upload.file.name;
      $("#drop-hint").textContent = "Uploading: pause or cancel it to choose another file.";
    } else if (chosen) {
      $("#drop-title").textContent = chosen.name;
      $("#drop-hint").textContent = `${bytes(chosen.size)} · click to choose another file`;
    } else {
      $("#drop-title").textContent = "Drop the match video here";
      $("#drop-hint").textContent = "or click to choose a file (MP4, MOV, MKV…)";
    }
    if (upload) renderUpload(upload);
    else if (unfinished) renderUnfinished(unfinished);
    else panel.hidden = true;
  };

  const renderUpload = (upload) => {
    panel.hidden = false;
    panel.dataset.state = upload.state;
    $("#upload-game-name").textContent = upload.gameName;
    $("#upload-file").textContent = `${upload.file.name} · ${bytes(upload.total)}`;
    meter(upload.percent);
    $("#upload-state").textContent = upload.state === "failed" ? "Stopped" : upload.describe();
    $("#upload-error").textContent = upload.state === "failed" || upload.error ? upload.error : "";
    $("#upload-pause").hidden = !upload.active || upload.state === "finishing";
    $("#upload-resume").hidden = !(upload.state === "paused" || (upload.state === "failed" && upload.retryable));
    $("#upload-resume").textContent = upload.state === "failed" ? "Try again" : "Resume";
    $("#upload-cancel").hidden = upload.finished;
    const link = $("#annotate-link");
    link.hidden = upload.state === "failed" || upload.state === "cancelled";
    link.href = `/games/${upload.gameId}/`;
    link.classList.toggle("ready", upload.state === "done");
    link.textContent = upload.state === "done" ? "Annotate this game" : "Annotate while it uploads";
  };

  const renderUnfinished = ({ session, stored }) => {
    panel.hidden = false;
    panel.dataset.state = "unfinished";
    $("#upload-game-name").textContent = game.display_name;
    $("#upload-file").textContent = session.size ? `${session.filename} · ${bytes(session.size)}` : session.filename;
    meter(session.size ? (100 * stored) / session.size : 0);
    const amount = session.size ? `${bytes(stored)} of ${bytes(session.size)}` : bytes(stored);
    $("#upload-state").textContent = `Not finished: ${amount} stored. Resume by choosing the same file.`;
    $("#upload-error").textContent = "";
    $("#upload-pause").hidden = true;
    $("#upload-resume").hidden = false;
    $("#upload-resume").textContent = "Choose the file…";
    $("#upload-cancel").hidden = false;
    const link = $("#annotate-link");
    link.hidden = false;
    link.href = `/games/${game.id}/`;
    link.classList.remove("ready");
    link.textContent = "Open the annotate page";
  };

  const meter = (percent) => {
    $("#upload-progress").value = percent;
    $("#upload-percent").textContent = `${Math.floor(percent)}%`;
  };

  unsubscribe.push(
    onUploadChange((upload) => {
      if (game && upload.gameId === game.id) {
        if (upload.finished) {
          unfinished = null;
          chosen = null; // sent (or given up): the next upload starts from a new choice
          fileInput.value = "";
        }
        render();
      }
      if (!game || upload.gameId !== game.id) showElsewhere();
    }),
  );
  $("#upload-pause").addEventListener("click", () => running() && running().pause());
  $("#upload-resume").addEventListener("click", () => {
    const upload = running();
    if (upload) upload.resume();
    else fileInput.click();
  });
  $("#upload-cancel").addEventListener("click", async () => {
    const upload = running();
    if (upload) await upload.cancel();
    else if (unfinished) {
      try {
        await api("DELETE", `/api/games/${game.id}/uploads/${unfinished.session.id}`);
      } catch (error) {
        formError.textContent = error.message;
      }
    }
    if (game) await useGame(await api("GET", `/api/games/${game.id}`));
  });

  // --- an existing game (?game=<id>) -----------------------------------------------------
  const useGame = async (fresh) => {
    game = fresh;
    $("#details").hidden = true;
    const existing = $("#existing-game");
    existing.hidden = false;
    const state = { ready: " · has a video (a new upload replaces it)", none: " · no video yet" }[fresh.video.status] || "";
    existing.replaceChildren(el("strong", { text: fresh.display_name }), el("span", { class: "muted", text: state }));
    $("#new-title").textContent = fresh.video.status === "ready" ? "Replace the video" : "Add the video";
    unfinished = null;
    const upload = uploadOf(fresh.id);
    if (fresh.upload && !(upload && !upload.finished)) {
      // The server's truth: an upload that is not finished and not running in this tab.
      let stored = 0;
      try {
        stored = await storedBytes(fresh.id, fresh.upload);
      } catch {
        /* shown without the stored amount */
      }
      unfinished = { session: fresh.upload, stored };
      const size = fresh.upload.size ? ` (${bytes(fresh.upload.size)})` : "";
      hint.textContent = `An upload of ${fresh.upload.filename}${size} is not finished. Resume by choosing the same file.`;
    }
    render();
  };
  const params = new URLSearchParams(window.location.search);
  if (params.get("game")) {
    try {
      await useGame(await api("GET", `/api/games/${Number(params.get("game"))}`));
    } catch (error) {
      formError.textContent = error.message;
    }
  }

  // --- uploads elsewhere: running in this tab, or unfinished on the server ----------------
  let serverGames = []; // games with an unfinished upload, as the server said at mount
  const listUnfinished = async () => {
    try {
      serverGames = (await api("GET", "/api/games?limit=50")).results.filter((g) => g.upload);
    } catch {
      serverGames = []; // this tab's uploads still show
    }
    showElsewhere();
  };
  const showElsewhere = () => {
    const here = allUploads().filter((u) => !u.finished && (!game || u.gameId !== game.id));
    const server = serverGames.filter((g) => (!game || g.id !== game.id) && !uploadOf(g.id));
    $("#unfinished").hidden = here.length + server.length === 0;
    $("#unfinished-list").replaceChildren(
      ...here.map((u) =>
        el(
          "li",
          { dataset: { gameId: u.gameId } },
          el("a", { href: `/games/new/?game=${u.gameId}`, text: u.gameName }),
          el("span", { class: "muted small", text: `${u.file.name} · ${u.state === "paused" ? "paused" : "uploading"} · ${Math.floor(u.percent)}%` }),
        ),
      ),
      ...server.map((g) =>
        el(
          "li",
          { dataset: { gameId: g.id } },
          el("a", { href: `/games/new/?game=${g.id}`, text: g.display_name }),
          // An upload whose client never said its size (Uppy) shows none rather than 0 B.
          el("span", { class: "muted small", text: g.upload.size ? `${g.upload.filename} · ${bytes(g.upload.size)}` : g.upload.filename }),
        ),
      ),
    );
  };
  listUnfinished();

  // --- create, then upload ---------------------------------------------------------------
  const start = () => {
    formError.textContent = "";
    try {
      startUpload({
        gameId: game.id, gameName: game.display_name, file: chosen, singleMaxBytes, shell,
        stored: unfinished && sameFile(unfinished.session, chosen) ? unfinished.stored : 0,
      });
      render();
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
        await useGame(await api("POST", "/api/games", values));
        history.replaceState(history.state, "", `/games/new/?game=${game.id}`);
      } catch (error) {
        formError.textContent = error.message;
        submit.disabled = false;
        return;
      }
      if (!chosen) {
        shell.notificationCenter.say("success", "Game created", "Now choose its video to upload.");
        return;
      }
    }
    if (!chosen) {
      formError.textContent = unfinished ? "Choose the same file to resume the upload." : "Choose the match video first.";
      return;
    }
    if (unfinished && !sameFile(unfinished.session, chosen)) {
      formError.textContent = `That is not the file this upload was started with (${unfinished.session.filename}). Choose that file to resume, or cancel the upload to send another.`;
      return;
    }
    start();
  });

  render();
  return () => {
    for (const stop of unsubscribe) stop();
  };
}

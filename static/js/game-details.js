// The annotate page's game: its name in the heading, the breadcrumb and the tab
// title; the details form (name, opponent, date, played as, tournament) saved with
// the game's version, so a change from another tab is shown, never overwritten;
// and deleting the game in two steps (what it would remove first, then "Delete for
// good"), which goes home.
//
//   const details = gameDetails(root, { shell, gameId, game(), setGame(game) }, disposer)
//   details.show(): the name; details.fill(): the form from game(); details.refresh(): both,
//   the form only while it is closed; details.leaving: true once this tab deletes the game

import { el } from "./ui.js";

export function gameDetails(root, { shell, gameId, game, setGame }, disposer) {
  const { api } = shell;
  const $ = (selector) => root.querySelector(selector);
  const panel = $("#game-details");
  const form = $("#details-form");
  const toggle = $("#details-toggle");
  const details = { show, fill, refresh, leaving: false };

  function show() {
    const { display_name: name } = game();
    $("#game-title").textContent = name;
    const crumb = document.getElementById("crumb-game");
    if (crumb) crumb.textContent = name;
    document.title = document.title.replace(/^[^·]*·/, `${name} ·`);
  }

  const showTournament = () => {
    $("#tournament-field").hidden = form.elements.game_type.value !== "tournament";
  };
  function fill() {
    const current = game();
    form.elements.name.value = current.name || "";
    form.elements.opponent_name.value = current.opponent_name || "";
    form.elements.game_date.value = current.game_date || "";
    form.elements.tournament_name.value = current.tournament_name || "";
    for (const radio of form.querySelectorAll("input[name=game_type]")) radio.checked = radio.value === current.game_type;
    showTournament();
  }
  function refresh() {
    show();
    if (panel.hidden) fill();
  }

  disposer.listen(form, "change", (event) => {
    if (event.target.name === "game_type") showTournament();
  });
  disposer.listen(toggle, "click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) {
      fill();
      $("#details-saved").textContent = "";
      $("#details-error").textContent = "";
      form.elements.opponent_name.focus();
    }
  });
  disposer.listen(form, "submit", async (event) => {
    event.preventDefault();
    const error = $("#details-error");
    error.textContent = "";
    const values = {
      name: form.elements.name.value.trim(),
      opponent_name: form.elements.opponent_name.value.trim(),
      game_date: form.elements.game_date.value || null,
      game_type: form.elements.game_type.value,
      tournament_name: form.elements.tournament_name.value.trim(),
      version: game().version,
    };
    try {
      setGame(await api("PATCH", `/api/games/${gameId}`, values));
      show();
      fill();
      $("#details-saved").textContent = `Saved: ${game().display_name}.`;
    } catch (failure) {
      if (failure.status === 409 && failure.data && failure.data.current) {
        setGame(failure.data.current);
        fill();
        show();
        error.textContent = "These details were changed in another tab; the form shows them now. Make your change again.";
      } else {
        error.textContent = failure.message;
      }
    }
  });

  // --- deleting the game: what it removes first, then for good --------------------------------
  const deletePanel = $("#delete-panel");
  const deleteButton = $("#delete-game");
  const blocker = $("#delete-blocker");
  disposer.listen(deleteButton, "click", async () => {
    blocker.textContent = "";
    try {
      const answer = await api("GET", `/api/games/${gameId}/deletion`);
      $("#delete-effects").replaceChildren(...answer.effects.map((sentence) => el("li", { text: sentence })));
      blocker.textContent = answer.blocker || "";
      $("#delete-confirm").disabled = Boolean(answer.blocker);
      deletePanel.hidden = false;
      deleteButton.hidden = true;
    } catch (error) {
      blocker.textContent = error.message;
      deletePanel.hidden = false;
    }
  });
  disposer.listen($("#delete-cancel"), "click", () => {
    deletePanel.hidden = true;
    deleteButton.hidden = false;
  });
  disposer.listen($("#delete-confirm"), "click", async () => {
    details.leaving = true;
    try {
      await api("DELETE", `/api/games/${gameId}`);
    } catch (error) {
      details.leaving = false;
      blocker.textContent = error.message;
      return;
    }
    if (shell.navigate) shell.navigate("/");
    else window.location.assign("/");
  });

  return details;
}

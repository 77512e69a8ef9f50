// The public page of a share link: chapter buttons seek the video, and the one
// playing is marked. No login, no app shell: this file is all the page runs.
const video = document.getElementById("shared-player");
const chapters = [...document.querySelectorAll(".shared-chapters .chapter")];

function mark() {
  const now = video.currentTime;
  let current = null;
  for (const button of chapters) {
    if (Number(button.dataset.start) <= now + 0.05) current = button;
  }
  for (const button of chapters) button.setAttribute("aria-current", String(button === current));
}

for (const button of chapters) {
  button.addEventListener("click", () => {
    video.currentTime = Number(button.dataset.start);
    mark();
    video.play().catch(() => {}); // a browser may refuse to start sound without a gesture it trusts
  });
}
if (video && chapters.length) {
  video.addEventListener("timeupdate", mark);
  video.addEventListener("seeked", mark);
}

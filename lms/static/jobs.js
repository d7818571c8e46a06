// The progress page of a long job (templates/jobs/job.html). While the job runs, the page
// asks the server for itself every few seconds and brings the new progress in place: a
// timed reload of the whole page would move a screen reader's reading point and is what
// WCAG 2.2.1 (axe's meta-refresh) forbids. Without this file the page offers a link.
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("job");
  if (!section || !section.dataset.refresh) return;
  const delay = (Number(section.dataset.refresh) || 2) * 1000;

  // Each part of the section by its id; the outcome's live region (role=status) stays the
  // same element, so that its new words are announced.
  const copy = (fresh, id) => {
    const mine = document.getElementById(id);
    const theirs = fresh.getElementById(id);
    if (!mine) return;
    if (!theirs) {
      mine.remove();
    } else if (mine.innerHTML !== theirs.innerHTML) {
      mine.innerHTML = theirs.innerHTML;
    }
  };

  const poll = async () => {
    let fresh;
    try {
      const response = await fetch(window.location.href,
                                   { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      window.setTimeout(poll, delay * 5); // the server is busy or away: ask less often
      return;
    }
    const bar = document.getElementById("job-progress");
    const freshBar = fresh.getElementById("job-progress");
    if (bar && freshBar) {
      bar.max = freshBar.max;
      bar.value = freshBar.value;
      bar.textContent = freshBar.textContent;
    }
    ["job-status", "job-count", "job-refresh", "job-outcome"].forEach((id) => copy(fresh, id));
    const running = fresh.getElementById("job");
    // Signed out meanwhile, or finished: stop asking.
    if (running && running.dataset.refresh) {
      window.setTimeout(poll, delay);
    } else {
      delete section.dataset.refresh;
    }
  };
  window.setTimeout(poll, delay);
});

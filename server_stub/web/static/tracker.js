// Progressive enhancement only: pages read and work without it.
// Forms marked data-confirm ask before they are sent (void an invoice, revoke a link).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

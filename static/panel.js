// panel.js — the little the pages do with a script; every page works without it.
//  - A confirmation link (data-confirm) opens its confirmation page's form in a
//    <dialog> over the list: fetched from the same URL, so the words and the POST
//    are the server's; Escape or Cancel closes it and gives focus back to the link.
//  - The flash after a redirect is announced: its words go into the live region
//    once the page has loaded (words there at load are not read out), and its
//    dismiss link removes it in place.
// No inline script or style anywhere: the CSP stays script-src 'self'.
(function () {
  'use strict';

  function setUpFlash() {
    const flash = document.getElementById('flash');
    if (!flash) return;
    const words = flash.querySelector('p');
    const text = words.textContent;
    words.textContent = '';
    window.setTimeout(function () { words.textContent = text; }, 150);
    flash.querySelector('.flash-dismiss').addEventListener('click', function (event) {
      event.preventDefault();
      flash.remove();
      document.getElementById('main').focus();
    });
  }

  function setUpDialogs() {
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm-dialog';
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    document.body.appendChild(dialog);
    let opener = null;

    dialog.addEventListener('close', function () {
      dialog.replaceChildren();
      if (opener) opener.focus();
      opener = null;
    });

    document.addEventListener('click', async function (event) {
      const link = event.target.closest('a[data-confirm]');
      if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      let section = null;
      try {
        const answer = await fetch(link.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
        // A redirect (done already) or an error page: the page itself says it best.
        if (answer.ok && !answer.redirected) {
          const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
          section = page.querySelector('section.confirm');
        }
      } catch (e) {
        section = null;
      }
      if (!section) {
        window.location.assign(link.href);
        return;
      }
      const crumb = section.querySelector('.breadcrumb');
      if (crumb) crumb.remove();
      dialog.replaceChildren(document.importNode(section, true));
      const cancel = dialog.querySelector('.confirm-actions a');
      if (cancel) {
        cancel.addEventListener('click', function (e) {
          e.preventDefault();
          dialog.close();
        });
      }
      opener = link;
      dialog.showModal();
    });
  }

  setUpFlash();
  setUpDialogs();
})();

// panel.js — the little the pages do with a script; every page works without it.
//  - A confirmation link (data-confirm) opens its confirmation page's form in a
//    <dialog> over the list: fetched from the same URL, so the words and the POST
//    are the server's; Escape or Cancel closes it and gives focus back to the link.
//  - The flash after a redirect is announced: its words go into the live region
//    once the page has loaded (words there at load are not read out), and its
//    dismiss link removes it in place.
//  - A removed inbox whose revocation is pending (data-progress-url) follows it:
//    its status is polled, less often as time goes by, and the card's words are
//    the server's, in the reader's language; once it has ended the card is
//    fetched again from the page, as a reload would show it.
//  - A <time data-local> written in UTC reads in the reader's local time.
// No inline script or style anywhere: the CSP stays script-src 'self'
// (connect-src 'self' lets the status be fetched).  No words of its own either.
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

  // The browser's own words for a date and time, in the page's language.
  function localTime(el) {
    const when = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(when.getTime())) return;
    el.textContent = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      { dateStyle: 'medium', timeStyle: 'short' }).format(when);
    el.title = el.getAttribute('datetime');
  }

  function setUpLocalTimes(root) {
    root.querySelectorAll('time[data-local]').forEach(localTime);
  }

  function setText(card, name, text) {
    const el = card.querySelector(`[data-progress="${name}"]`);
    if (el && typeof text === 'string') el.textContent = text;
    return el;
  }

  // The card as the page now shows it: the end of a revocation brings words and
  // steps the status does not carry.
  async function replaceCard(card) {
    const answer = await fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
    const fresh = page.getElementById(card.id);
    if (!fresh) return;
    const copy = document.importNode(fresh, true);
    card.replaceWith(copy);
    setUpLocalTimes(copy);
  }

  function follow(card) {
    const url = card.getAttribute('data-progress-url');
    let wait = 2000;
    async function poll() {
      let status = null;
      try {
        const answer = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (answer.ok) status = await answer.json();
      } catch (e) {
        status = null;
      }
      if (status && !status.pending) {
        await replaceCard(card).catch(function () {});
        return;
      }
      if (status) {
        setText(card, 'text', status.text);
        setText(card, 'attempts', status.attempts);
        const next = card.querySelector('[data-progress="next"]');
        if (next && status.next) {
          const time = document.createElement('time');
          time.setAttribute('datetime', status.next);
          time.setAttribute('data-local', '');
          time.textContent = status.next_text;
          next.replaceChildren(time);
          localTime(time);
        } else if (next && status.next_soon) {
          next.textContent = status.next_soon;
        }
      }
      // Backoff: often at first, when most revocations end, then less and less.
      wait = Math.min(wait * 1.5, 60000);
      window.setTimeout(poll, wait);
    }
    window.setTimeout(poll, wait);
  }

  function setUpProgress() {
    document.querySelectorAll('[data-progress-url]').forEach(follow);
  }

  setUpFlash();
  setUpDialogs();
  setUpLocalTimes(document);
  setUpProgress();
})();

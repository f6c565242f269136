<?cs # removed_list.cs — the "Recently removed" part of a list of connections,
       shared by Settings › General › Email and a conversation inbox's Channels:
       each one removed lately, with how the revocation of its access went and
       what is left to do by hand.  A page includes this file, then calls
       removed_list(its rows, its heading, the word before each date).
       A pending card carries its status URL (data-progress-url): panel.js polls
       it and fills the elements marked data-progress; without a script a reload
       shows the same.  The badge says Removing or Removed, never both.
       No text outside the tags, not even a final newline: every byte of this
       file outside them would reach the page. ?><?cs
def:moment(m) ?><time datetime="<?cs var:m.iso ?>" data-local><?cs var:m.text ?></time><?cs /def ?><?cs
def:removed_list(rows, title, removed_on) ?>
<section class="removed" aria-labelledby="removed-title">
  <h2 id="removed-title"><?cs var:title ?></h2>
  <ul class="removed-list">
  <?cs each:r = rows ?>
    <li class="removed-item revocation-<?cs var:r.revocation ?>" id="removed-<?cs var:r.id ?>"<?cs if:r.status_url ?> data-progress-url="<?cs var:r.status_url ?>"<?cs /if ?>>
      <div class="removed-head">
        <span class="mark mark-<?cs var:r.provider ?>" aria-hidden="true"></span>
        <span class="address"><?cs var:r.address ?></span>
        <span class="provider"><?cs var:r.provider_label ?></span>
        <span class="badge badge-<?cs alt:r.badge ?>removed<?cs /alt ?>" data-progress="badge"><?cs alt:r.badge_text ?><?cs var:Lang.state.removed ?><?cs /alt ?></span>
        <?cs if:r.revocation != "pending" ?><span class="when"><?cs var:removed_on ?> <?cs var:r.removed_on ?></span><?cs /if ?>
      </div>
      <?cs if:r.revocation_text ?><p class="revocation" data-progress="text"><?cs var:r.revocation_text ?><?cs if:r.revocation_reason ?> <?cs var:r.revocation_reason ?><?cs /if ?><?cs if:r.revocation_error ?> <small class="code"><?cs var:r.revocation_error ?></small><?cs /if ?></p><?cs /if ?>
      <?cs if:r.revocation == "pending" && r.started.iso ?>
      <dl class="progress">
        <div><dt><?cs var:Lang.progress.started ?></dt><dd><?cs call:moment(r.started) ?></dd></div>
        <div><dt><?cs var:Lang.progress.attempts ?></dt><dd data-progress="attempts"><?cs var:r.attempts ?></dd></div>
        <div><dt><?cs var:Lang.progress.next ?></dt><dd data-progress="next"><?cs if:r.next.iso ?><?cs call:moment(r.next) ?><?cs else ?><?cs var:r.next_soon ?><?cs /if ?></dd></div>
      </dl>
      <?cs /if ?>
      <?cs if:r.steps ?>
      <details class="steps"<?cs if:!r.manual_done ?> open<?cs /if ?>>
        <summary><?cs var:Lang.email.steps_summary ?></summary>
        <?cs call:manual_steps(r.steps, r.address) ?>
        <?cs if:r.manual_done ?><p class="done-note"><?cs var:r.manual_done ?></p><?cs /if ?>
        <?cs if:r.done_url ?>
        <form method="post" action="<?cs var:r.done_url ?>" class="steps-done">
          <?cs call:csrf_field() ?>
          <p class="hint"><?cs var:Lang.progress.done_hint ?></p>
          <button type="submit" class="button" aria-label="<?cs var:Lang.progress.done_button ?> — <?cs var:r.address ?>"><?cs var:Lang.progress.done_button ?></button>
        </form>
        <?cs /if ?>
      </details>
      <?cs /if ?>
    </li>
  <?cs /each ?>
  </ul>
</section><?cs /def ?>
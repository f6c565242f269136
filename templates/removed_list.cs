<?cs # removed_list.cs — the "Recently removed" part of a list of connections,
       shared by Settings › General › Email and a conversation inbox's Channels:
       each one removed lately, with how the revocation of its access went and
       what is left to do by hand.  A page includes this file, then calls
       removed_list(its rows, its heading, the word before each date).
       No text outside the tags, not even a final newline: every byte of this
       file outside them would reach the page. ?><?cs
def:removed_list(rows, title, removed_on) ?>
<section class="removed" aria-labelledby="removed-title">
  <h2 id="removed-title"><?cs var:title ?></h2>
  <ul class="removed-list">
  <?cs each:r = rows ?>
    <li class="removed-item revocation-<?cs var:r.revocation ?>" id="removed-<?cs var:r.id ?>">
      <div class="removed-head">
        <span class="mark mark-<?cs var:r.provider ?>" aria-hidden="true"></span>
        <span class="address"><?cs var:r.address ?></span>
        <span class="provider"><?cs var:r.provider_label ?></span>
        <span class="badge badge-<?cs if:r.revocation == "pending" ?>removing<?cs else ?>removed<?cs /if ?>"><?cs if:r.revocation == "pending" ?><?cs var:Lang.state.removing ?><?cs else ?><?cs var:Lang.state.removed ?><?cs /if ?></span>
        <span class="when"><?cs var:removed_on ?> <?cs var:r.removed_on ?></span>
      </div>
      <?cs if:r.revocation_text ?><p class="revocation"><?cs var:r.revocation_text ?><?cs if:r.revocation_reason ?> <?cs var:r.revocation_reason ?><?cs /if ?><?cs if:r.revocation_error ?> <small class="code"><?cs var:r.revocation_error ?></small><?cs /if ?></p><?cs /if ?>
      <?cs if:r.steps ?>
      <details class="steps">
        <summary><?cs var:Lang.email.steps_summary ?></summary>
        <p><?cs var:r.steps ?></p>
      </details>
      <?cs /if ?>
    </li>
  <?cs /each ?>
  </ul>
</section><?cs /def ?>
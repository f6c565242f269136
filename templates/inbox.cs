<?cs set:Page.title = Lang.inbox.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <?cs var:Lang.inbox.menu_inbox ?></p>
  <h1><?cs var:Lang.inbox.title ?></h1>
  <p class="lead"><?cs var:Lang.inbox.intro ?></p>
</div>

<?cs if:Inbox.attention != "0" ?>
<div class="banner warn" role="status">
  <span class="banner-icon" aria-hidden="true">⚠</span>
  <p><strong><?cs var:Lang.channel.banner_title ?></strong> <?cs var:Lang.inbox.banner_text ?></p>
</div>
<?cs /if ?>

<?cs if:Inbox.count == "0" ?>
<section class="card empty-state" aria-labelledby="empty-title">
  <h2 id="empty-title"><?cs var:Lang.inbox.empty_title ?></h2>
  <p><?cs var:Lang.inbox.empty_text ?></p>
</section>
<?cs else ?>
<table class="list conversation-inboxes">
  <caption class="visually-hidden"><?cs var:Lang.inbox.table_caption ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.inbox.col_name ?></th>
    <th scope="col"><?cs var:Lang.inbox.col_channels ?></th>
    <th scope="col"><?cs var:Lang.inbox.col_attention ?></th>
    <th scope="col"><span class="visually-hidden"><?cs var:Lang.inbox.col_actions ?></span></th>
  </tr></thead>
  <tbody>
  <?cs each:r = Inbox.rows ?>
  <tr id="inbox-<?cs var:r.id ?>">
    <td class="inbox"><a href="<?cs call:url_channels(r.id) ?>"><?cs var:r.name ?></a></td>
    <td data-label="<?cs var:Lang.inbox.col_channels ?>"><?cs var:r.channels ?></td>
    <td class="error-cell" data-label="<?cs var:Lang.inbox.col_attention ?>"><?cs if:subcount(r.attention) > #0 ?><ul class="attention"><?cs each:a = r.attention ?><li><span class="badge badge-disconnected"><?cs var:Lang.state.disconnected ?></span> <?cs var:a ?></li><?cs /each ?></ul><?cs else ?><span class="none"><?cs var:Lang.inbox.attention_none ?></span><?cs /if ?></td>
    <td class="actions"><a class="button" href="<?cs call:url_channels(r.id) ?>" aria-label="<?cs var:Lang.inbox.open_channels ?> · <?cs var:r.name ?>"><?cs var:Lang.inbox.open_channels ?></a></td>
  </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs /if ?>
<?cs include:"footer.cs" ?>

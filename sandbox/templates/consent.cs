<?cs # The sandbox provider's consent page: who asks, for what (each scope with
       its consent text), for which test mailbox; Allow or Deny.  It posts back
       to itself with the request's own parameters. ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Lang.sandbox ?> · <?cs var:Consent.provider ?></title>
<link rel="stylesheet" href="/_static/sandbox.css">
</head>
<body>
<main>
  <p class="banner" role="note"><strong><?cs var:Lang.sandbox ?></strong> — <?cs var:Lang.banner ?></p>
  <h1><?cs var:Lang.title ?> <span class="provider"><?cs var:Consent.provider ?></span></h1>
  <p><?cs var:Lang.asks ?> <code><?cs var:Consent.client_id ?></code></p>
  <form method="post" action="<?cs var:Consent.action ?>">
    <?cs each:f = Consent.carry ?><input type="hidden" name="<?cs var:f.name ?>" value="<?cs var:f.value ?>">
    <?cs /each ?>
    <fieldset>
      <legend><?cs var:Lang.mailbox ?></legend>
      <?cs each:m = Consent.mailboxes ?>
      <label><input type="radio" name="mailbox" value="<?cs var:m ?>"<?cs if:name(m) == 0 ?> checked<?cs /if ?>> <?cs var:m ?></label>
      <?cs /each ?>
      <label><?cs var:Lang.other ?> <input type="email" name="other" autocomplete="off"></label>
    </fieldset>
    <h2><?cs var:Lang.will ?></h2>
    <ul class="scopes">
      <?cs each:s = Consent.scopes ?>
      <li><?cs var:Lang.scope[s.key] ?> <code><?cs var:s.name ?></code></li>
      <?cs /each ?>
    </ul>
    <p class="back"><?cs var:Lang.back ?> <code><?cs var:Consent.redirect_origin ?></code></p>
    <div class="buttons">
      <button type="submit" name="decision" value="deny" class="deny"><?cs var:Lang.deny ?></button>
      <button type="submit" name="decision" value="allow" class="allow"><?cs var:Lang.allow ?></button>
    </div>
  </form>
</main>
</body>
</html>

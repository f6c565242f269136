<?cs # The top of every page: head, top bar, left menu, flash message.
       A page sets Page.title (and Nav.current) before including this, and may
       call the macros of macros.cs (csrf_field, url_*) after it. ?><?cs
include:"macros.cs" ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> · <?cs var:Lang.app.name ?></title>
<link rel="stylesheet" href="<?cs call:url_static("style.css") ?>">
<link rel="icon" href="<?cs call:url_static("favicon.svg") ?>" type="image/svg+xml">
</head>
<body<?cs if:!User.email ?> class="signed-out"<?cs /if ?>>
<a class="skip-link" href="#main"><?cs var:Lang.nav.skip ?></a>
<header class="topbar">
  <a class="brand" href="<?cs call:url_home() ?>"><span class="brand-mark" aria-hidden="true"></span><?cs var:Lang.app.name ?></a>
  <?cs if:User.email ?>
  <div class="usermenu">
    <form method="post" action="<?cs call:url_language() ?>" class="inline">
      <?cs call:csrf_field() ?>
      <input type="hidden" name="next" value="<?cs var:Page.path ?>">
      <button type="submit" class="button quiet" name="language" value="<?cs var:Lang.nav.other_language ?>" lang="<?cs var:Lang.nav.other_language ?>" title="<?cs var:Lang.nav.switch_title ?>"><?cs var:Lang.nav.other_language_name ?></button>
    </form>
    <span class="who" title="<?cs var:User.email ?>"><span class="visually-hidden"><?cs var:Lang.nav.signed_in_as ?> </span><?cs var:User.display ?></span>
    <form method="post" action="<?cs call:url_logout() ?>" class="inline">
      <?cs call:csrf_field() ?>
      <button type="submit" class="button quiet"><?cs var:Lang.nav.sign_out ?></button>
    </form>
  </div>
  <?cs /if ?>
</header>
<div class="shell<?cs if:!User.email ?> shell-single<?cs /if ?>">
<?cs if:User.email ?>
<nav class="sidemenu" aria-label="<?cs var:Lang.nav.settings ?>">
  <p class="sidemenu-title"><?cs var:Lang.nav.settings ?></p>
  <ul>
    <li><span class="sidemenu-group"><?cs var:Lang.nav.general ?></span>
      <ul><li><a href="<?cs call:url_email() ?>"<?cs if:Nav.current == "email" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav.email ?></a></li></ul>
    </li>
    <?cs if:User.is_super_admin == "1" ?>
    <li><span class="sidemenu-group"><?cs var:Lang.nav.admin ?></span>
      <ul><li><a href="<?cs call:url_audit() ?>"<?cs if:Nav.current == "audit" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav.audit ?></a></li></ul>
    </li>
    <?cs /if ?>
  </ul>
</nav>
<?cs /if ?>
<main id="main" tabindex="-1">
<?cs # The flash is shown once (its cookie is gone on reload), so dismissing it
       without a script is loading the page again; panel.js removes it in place
       and puts its words in the live region again so they are announced. ?><div class="flash-region" role="status"><?cs if:Flash.text ?>
<div class="flash" id="flash">
  <p><?cs var:Flash.text ?></p>
  <a class="flash-dismiss" href="<?cs call:url_path(Page.path) ?>" title="<?cs var:Lang.nav.dismiss ?>"><span aria-hidden="true">×</span><span class="visually-hidden"><?cs var:Lang.nav.dismiss ?></span></a>
</div>
<?cs /if ?></div>

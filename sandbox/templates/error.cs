<?cs # A request the sandbox cannot send back to the app (unknown client, a
       redirect URI that is not registered): the error, as a provider shows it. ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head>
<meta charset="utf-8">
<title><?cs var:Lang.sandbox ?> · <?cs var:Lang.error ?></title>
<link rel="stylesheet" href="/_static/sandbox.css">
</head>
<body>
<main>
  <p class="banner" role="note"><strong><?cs var:Lang.sandbox ?></strong> — <?cs var:Lang.banner ?></p>
  <h1><?cs var:Lang.error ?> 400: <code><?cs var:Error.code ?></code></h1>
  <p><?cs var:Error.detail ?></p>
</main>
</body>
</html>

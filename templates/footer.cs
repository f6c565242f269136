</main>
<script src="<?cs call:url_static("panel.js") ?>" defer></script>
</div>
</body>
</html>

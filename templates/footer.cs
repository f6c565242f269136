</main>
</div>
</body>
</html>

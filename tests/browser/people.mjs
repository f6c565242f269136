// people.mjs — Administration › People in a real browser (Step 11): the list, a
// person, the deactivate confirmation and the add form, in English and French,
// at 1280 and 390 px, through axe (and the Nu checker, which run.mjs runs on
// every page collected); then deactivating and reactivating a demo person by
// the buttons.  run.mjs calls peopleTests with its own helpers.

export async function peopleTests({ test, withPage, signIn, look, expect, base, mobileWidth }) {
  const words = {
    en: { title: 'People', person: 'Marie Dubois', deactivate: 'Deactivate marie@example.com?' },
    fr: { title: 'Personnes', person: 'Marie Dubois', deactivate: 'Désactiver marie@example.com\u00a0?' },
  };
  for (const [locale, lang] of [['en-US', 'en'], ['fr-FR', 'fr']]) {
    for (const viewport of [{ width: 1280, height: 860 }, { width: mobileWidth, height: 844 }]) {
      const size = viewport.width;
      await test(`people_pages_pass_axe_${lang}_${size}px`, () => withPage({ locale, viewport }, async (page) => {
        const w = words[lang];
        await signIn(page);
        await page.getByRole('link', { name: w.title, exact: true }).click();
        await page.waitForURL(/\/admin\/users$/);
        const heading = (await page.getByRole('heading', { level: 1 }).textContent()).trim();
        expect(heading === w.title, `heading is "${heading}"`);
        const row = page.locator('tr', { hasText: 'marie@example.com' });
        expect(await row.isVisible(), 'Marie is not listed');
        await look(page, `people-${lang}-${size}`);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide <= size, `the list is ${wide} px wide`);
        await row.getByRole('link', { name: 'marie@example.com' }).click();
        await page.waitForURL(/\/admin\/users\/\d+$/);
        expect((await page.getByRole('heading', { level: 1 }).textContent()).trim() === w.person,
          'the person page does not name Marie');
        await look(page, `person-${lang}-${size}`);
        const personWide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(personWide <= size, `the person page is ${personWide} px wide`);
        await page.locator('a[href$="/deactivate"]').click();
        await page.waitForURL(/\/deactivate$/);
        expect(await page.getByRole('heading', { name: w.deactivate }).isVisible(),
          'the confirmation does not name the person');
        expect(await page.getByText('help@acme.example').isVisible(), 'the team channel Marie connected is not listed');
        await look(page, `person-deactivate-${lang}-${size}`);
        await page.goto(`${base}/admin/users/new`);
        await look(page, `person-new-${lang}-${size}`);
        const newWide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(newWide <= size, `the add form is ${newWide} px wide`);
      }));
    }
  }

  await test('deactivate_and_reactivate_by_the_buttons', () => withPage({}, async (page) => {
    await signIn(page);
    await page.goto(`${base}/admin/users?q=tom`);
    await page.getByRole('link', { name: 'tom@example.com' }).click();
    await page.getByRole('link', { name: 'Deactivate' }).click();
    await page.getByText('tom@example.com Gmail').waitFor();
    await page.getByRole('button', { name: 'Yes, deactivate' }).click();
    await page.waitForURL(/\/admin\/users$/);
    const flash = page.getByRole('status').filter({ hasText: 'tom@example.com is deactivated: 1 personal inbox removed' });
    await flash.waitFor();
    const row = page.locator('tr', { hasText: 'tom@example.com' });
    expect((await row.textContent()).includes('Deactivated'), 'the row does not say Deactivated');
    await look(page, 'people-after-deactivate');
    await row.getByRole('link', { name: 'tom@example.com' }).click();
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('status').filter({ hasText: 'tom@example.com can sign in again.' }).waitFor();
    await look(page, 'person-after-reactivate');
  }));
}

"""Phrase banks, keyed by meaning and language.

Every phrase here was written for this project. A key maps a language code to
variants; :func:`pick` falls back to English when a language has no variant,
which also produces the code-mixed listings real sellers write ("replica 1:1,
envío gratis"). Placeholders (``{brand}``, ``{line}``, ``{goods}``, ``{service}``,
``{design}``, ``{pun}``, ``{store}``, ``{year}``, ``{n}``...) are filled by the
family that uses the phrase.

Keys are grouped by what they say, not by label: several keys are shared on
purpose by families of different labels (the words "replica", "inspired",
"mirror", "parody", "authentic" and "not affiliated" all occur under more than
one label), so that a model must read the whole listing.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = (
    "en",
    "es",
    "fr",
    "it",
    "de",
    "pt",
    "zh",
    "ru",
    "ja",
    "ko",
    "nl",
    "pl",
    "tr",
)

Bank = dict[str, dict[str, tuple[str, ...]]]


def _t(*variants: str) -> tuple[str, ...]:
    return tuple(variants)


BANK: Bank = {
    # ------------------------------------------------------------------ neutral
    "cond_new": {
        "en": _t(
            "Brand new.",
            "Brand new, never used.",
            "New with tags.",
            "Never opened.",
            "Unused, tags attached.",
            "New in box.",
            "Still sealed.",
            "Brand new condition",
            "never used",
            "new new new",
            "Unused, only taken out for photos.",
        ),
        "es": _t("Nuevo, sin usar.", "Nuevo con etiquetas.", "A estrenar."),
        "fr": _t("Neuf, jamais porté.", "Neuf avec étiquette.", "Jamais servi."),
        "it": _t("Nuovo, mai usato.", "Nuovo con cartellino.", "Mai indossato."),
        "de": _t("Neu und ungetragen.", "Neu mit Etikett.", "Nie benutzt."),
        "pt": _t("Novo, nunca usado.", "Novo com etiqueta.", "Zero, sem uso."),
        "zh": _t("全新未使用。", "全新带吊牌。", "全新未拆封。"),
        "ru": _t("Новое, не использовалось.", "Новое с бирками.", "Абсолютно новое."),
        "ja": _t("新品未使用です。", "未開封の新品。"),
        "ko": _t("새 상품, 미사용입니다.", "미개봉 새제품."),
        "nl": _t(
            "Nieuw, nooit gebruikt.",
        ),
        "pl": _t(
            "Nowy, nieużywany.",
        ),
        "tr": _t(
            "Sıfır, hiç kullanılmadı.",
        ),
    },
    "cond_used": {
        "en": _t(
            "Gently used.",
            "Used a handful of times, good condition.",
            "Light wear on the corners, see photos.",
            "Some signs of use, nothing major.",
            "Pre-loved, still lots of life left.",
            "Used maybe 3 times.",
            "Good used condition",
            "Minor scuffs, priced to reflect.",
            "Excellent pre-owned condition.",
            "Used but well cared for.",
        ),
        "es": _t(
            "Usado pero en buen estado.", "Poco uso, como nuevo.", "Tiene algunas marcas de uso."
        ),
        "fr": _t(
            "Porté quelques fois, très bon état.", "Bon état général.", "Légères traces d'usure."
        ),
        "it": _t("Usato poche volte, ottime condizioni.", "Segni di usura minimi."),
        "de": _t("Gebraucht, guter Zustand.", "Wenig getragen, leichte Gebrauchsspuren."),
        "pt": _t("Usado, em bom estado.", "Pouco uso, conservado."),
        "zh": _t("九成新，轻微使用痕迹。", "自用闲置，成色很好。"),
        "ru": _t("Б/у, в хорошем состоянии.", "Носила пару раз, состояние отличное."),
        "ja": _t(
            "数回使用しました。美品です。",
        ),
        "ko": _t(
            "몇 번 사용했어요, 상태 좋아요.",
        ),
        "nl": _t(
            "Een paar keer gebruikt, goede staat.",
        ),
        "pl": _t(
            "Używany kilka razy, stan bardzo dobry.",
        ),
        "tr": _t(
            "Birkaç kez kullanıldı, temiz.",
        ),
    },
    "ship": {
        "en": _t(
            "Ships within 24 hours.",
            "Free shipping.",
            "Fast shipping!",
            "Shipping calculated at checkout.",
            "Local pickup available.",
            "I ship worldwide.",
            "Ships next business day with tracking.",
            "Pick up only.",
            "Can post or meet locally.",
            "Shipped in a sturdy box.",
            "Same day dispatch if ordered before 2pm.",
        ),
        "es": _t("Envío gratis.", "Envío en 24 horas.", "Se puede recoger en mano."),
        "fr": _t(
            "Livraison gratuite.", "Envoi rapide et soigné.", "Remise en main propre possible."
        ),
        "it": _t(
            "Spedizione gratuita.", "Spedizione veloce e tracciata.", "Possibile ritiro a mano."
        ),
        "de": _t("Kostenloser Versand.", "Versand innerhalb von 24 Stunden.", "Abholung möglich."),
        "pt": _t("Frete grátis.", "Envio rápido.", "Entrego em mãos."),
        "zh": _t("包邮。", "当天发货。", "可以同城自提。"),
        "ru": _t("Бесплатная доставка.", "Отправка в день заказа.", "Возможен самовывоз."),
        "ja": _t("送料無料。", "即日発送します。"),
        "ko": _t("무료배송.", "당일 발송."),
        "nl": _t("Gratis verzending.", "Ophalen kan ook."),
        "pl": _t("Wysyłka gratis.", "Wysyłka kurierem lub odbiór osobisty."),
        "tr": _t(
            "Ücretsiz kargo.",
        ),
    },
    "pay": {
        "en": _t(
            "Price is firm.",
            "Open to reasonable offers.",
            "OBO.",
            "No lowballers please.",
            "Cash or PayPal.",
            "Serious buyers only.",
            "No trades.",
            "Price negotiable for bundles.",
        ),
        "es": _t("Precio negociable.", "Precio fijo.", "Solo compradores serios."),
        "fr": _t("Prix ferme.", "Prix négociable.", "Pas d'échange."),
        "it": _t("Prezzo trattabile.", "Prezzo fisso.", "No perditempo."),
        "de": _t("Festpreis.", "Preis VB.", "Kein Tausch."),
        "pt": _t("Aceito propostas.", "Preço fixo.", "Sem trocas."),
        "zh": _t("价格可小刀。", "一口价不议。"),
        "ru": _t("Торг уместен.", "Цена окончательная."),
    },
    "contact": {
        "en": _t(
            "DM for more photos.",
            "Message me with any questions.",
            "Ask if you need more pictures.",
            "Feel free to send offers.",
            "WhatsApp for details.",
            "Text me if interested.",
            "Questions welcome.",
            "More pics on request.",
        ),
        "es": _t("Escríbeme para más fotos.", "Cualquier duda, pregunta."),
        "fr": _t("N'hésitez pas à me contacter.", "Plus de photos sur demande."),
        "it": _t("Scrivetemi per altre foto.", "Per info contattatemi."),
        "de": _t("Bei Fragen gerne melden.", "Weitere Fotos auf Anfrage."),
        "pt": _t("Chama no direct para mais fotos.", "Qualquer dúvida é só chamar."),
        "zh": _t("有问题请私信。", "需要更多图片请联系。"),
        "ru": _t("Пишите в личку за доп. фото.", "Вопросы в сообщениях."),
        "ja": _t(
            "質問はお気軽にどうぞ。",
        ),
        "ko": _t(
            "문의 주세요.",
        ),
        "nl": _t(
            "Vragen? Stuur een bericht.",
        ),
        "pl": _t(
            "Pytania proszę na priv.",
        ),
        "tr": _t(
            "Sorularınız için mesaj atın.",
        ),
    },
    "home": {
        "en": _t(
            "Smoke-free, pet-free home.",
            "From a smoke free home.",
            "Stored in a closet, clean.",
            "Decluttering my closet.",
            "Moving sale, everything must go.",
        ),
        "es": _t(
            "Casa sin humo ni mascotas.",
        ),
        "fr": _t(
            "Maison non fumeur.",
        ),
        "it": _t(
            "Casa non fumatori.",
        ),
        "de": _t(
            "Nichtraucherhaushalt, keine Haustiere.",
        ),
        "pt": _t(
            "Casa sem fumantes.",
        ),
        "zh": _t(
            "无烟无宠家庭。",
        ),
        "ru": _t(
            "Из дома без животных и курящих.",
        ),
    },
    "returns": {
        "en": _t(
            "No returns.",
            "30-day returns accepted.",
            "Returns accepted if not as described.",
            "All sales final.",
            "Private sale, no returns.",
        ),
        "es": _t(
            "No se aceptan devoluciones.",
        ),
        "fr": _t(
            "Pas de retour.",
        ),
        "it": _t(
            "Non si accettano resi.",
        ),
        "de": _t(
            "Privatverkauf, keine Rücknahme.",
        ),
        "pt": _t(
            "Não aceito devolução.",
        ),
        "zh": _t(
            "售出不退。",
        ),
        "ru": _t(
            "Возврата нет.",
        ),
    },
    "bundle": {
        "en": _t(
            "Check my other listings!",
            "Bundle and save.",
            "Discount if you buy two or more.",
            "See my shop for more.",
        ),
        "es": _t(
            "Mira mis otros anuncios.",
        ),
        "fr": _t(
            "Voir mes autres annonces.",
        ),
        "it": _t(
            "Guarda gli altri miei annunci.",
        ),
        "de": _t(
            "Schaut gern in meine anderen Anzeigen.",
        ),
        "pt": _t(
            "Veja meus outros anúncios.",
        ),
        "zh": _t(
            "店里还有其他宝贝。",
        ),
        "ru": _t(
            "Смотрите другие мои объявления.",
        ),
    },
    "gift": {
        "en": _t(
            "Great gift idea.",
            "Perfect gift for her.",
            "Makes a great birthday present.",
            "Ideal Christmas gift.",
            "Gift wrapping available.",
        ),
        "es": _t(
            "Ideal para regalo.",
        ),
        "fr": _t(
            "Idée cadeau parfaite.",
        ),
        "it": _t(
            "Ottima idea regalo.",
        ),
        "de": _t(
            "Tolle Geschenkidee.",
        ),
        "pt": _t(
            "Ótimo para presente.",
        ),
        "zh": _t(
            "送礼佳品。",
        ),
        "ru": _t(
            "Отличный подарок.",
        ),
    },
    "photos": {
        "en": _t(
            "Photos are of the actual item.",
            "Real pictures, no filter.",
            "What you see is what you get.",
            "Colours may vary slightly on screen.",
        ),
        "es": _t(
            "Fotos reales.",
        ),
        "fr": _t(
            "Photos réelles.",
        ),
        "it": _t(
            "Foto reali.",
        ),
        "de": _t(
            "Echte Fotos vom Artikel.",
        ),
        "pt": _t(
            "Fotos reais do produto.",
        ),
        "zh": _t(
            "实物拍摄。",
        ),
        "ru": _t(
            "Фото реальные.",
        ),
    },
    "measure": {
        "en": _t(
            "Measures {w} x {h} cm.",
            "Size approx {w}cm x {h}cm.",
            "Dimensions: {w} x {h} x {d} cm.",
            "About {wi} inches wide.",
            "{w}x{h}cm",
        ),
        "es": _t(
            "Medidas: {w} x {h} cm.",
        ),
        "fr": _t(
            "Dimensions : {w} x {h} cm.",
        ),
        "it": _t(
            "Misure: {w} x {h} cm.",
        ),
        "de": _t(
            "Maße: {w} x {h} cm.",
        ),
        "pt": _t(
            "Medidas: {w} x {h} cm.",
        ),
        "zh": _t(
            "尺寸：{w}x{h}cm。",
        ),
        "ru": _t(
            "Размер {w} x {h} см.",
        ),
    },
    "material": {
        "en": _t(
            "Made of {material}.",
            "Material: {material}.",
            "{material}, feels solid.",
            "Lovely {material}.",
        ),
        "es": _t(
            "Material: {material}.",
        ),
        "fr": _t(
            "Matière : {material}.",
        ),
        "it": _t(
            "Materiale: {material}.",
        ),
        "de": _t(
            "Material: {material}.",
        ),
        "pt": _t(
            "Material: {material}.",
        ),
        "zh": _t(
            "材质：{material}。",
        ),
        "ru": _t(
            "Материал: {material}.",
        ),
    },
    "color": {
        "en": _t("Colour: {color}.", "Color is {color}.", "In {color}.", "{color} colorway."),
        "es": _t(
            "Color: {color}.",
        ),
        "fr": _t(
            "Couleur : {color}.",
        ),
        "it": _t(
            "Colore: {color}.",
        ),
        "de": _t(
            "Farbe: {color}.",
        ),
        "pt": _t(
            "Cor: {color}.",
        ),
        "zh": _t(
            "颜色：{color}。",
        ),
        "ru": _t(
            "Цвет: {color}.",
        ),
    },
    "size": {
        "en": _t("Size {size}.", "Size: {size}", "Fits true to size ({size}).", "Sz {size}"),
        "es": _t(
            "Talla {size}.",
        ),
        "fr": _t(
            "Taille {size}.",
        ),
        "it": _t(
            "Taglia {size}.",
        ),
        "de": _t(
            "Größe {size}.",
        ),
        "pt": _t(
            "Tamanho {size}.",
        ),
        "zh": _t(
            "尺码{size}。",
        ),
        "ru": _t(
            "Размер {size}.",
        ),
    },
    "bought": {
        "en": _t(
            "Bought in {year}.",
            "Got it as a gift in {year}.",
            "Purchased {year}, hardly used since.",
            "Had it since {year}.",
        ),
        "es": _t(
            "Comprado en {year}.",
        ),
        "fr": _t(
            "Acheté en {year}.",
        ),
        "it": _t(
            "Acquistato nel {year}.",
        ),
        "de": _t(
            "Gekauft {year}.",
        ),
        "pt": _t(
            "Comprado em {year}.",
        ),
        "zh": _t(
            "{year}年购入。",
        ),
        "ru": _t(
            "Куплено в {year} году.",
        ),
    },
    "stock": {
        "en": _t(
            "Several colours in stock.",
            "Limited stock.",
            "Only {n} left.",
            "Restocked!",
            "Ready to ship.",
            "Made to order, ships in {n} days.",
        ),
        "es": _t("Varios colores disponibles.", "Últimas unidades."),
        "fr": _t("Plusieurs coloris disponibles.", "Stock limité."),
        "it": _t(
            "Disponibile in più colori.",
        ),
        "de": _t(
            "Mehrere Farben verfügbar.",
        ),
        "pt": _t(
            "Várias cores disponíveis.",
        ),
        "zh": _t("多色可选。", "现货速发。"),
        "ru": _t("Есть разные цвета.", "В наличии."),
    },
    # ------------------------------------------------------------- title tags
    "tag_new": {
        "en": _t("NEW", "NWT", "BNIB", "Brand New", "New", "NIB", "Sealed", "BNWT"),
        "es": _t(
            "Nuevo",
        ),
        "fr": _t(
            "Neuf",
        ),
        "it": _t(
            "Nuovo",
        ),
        "de": _t(
            "Neu",
        ),
        "pt": _t(
            "Novo",
        ),
        "zh": _t(
            "全新",
        ),
        "ru": _t(
            "Новое",
        ),
    },
    "tag_used": {
        "en": _t("Pre-owned", "Used", "EUC", "VGUC", "Preloved", "Good Condition", "GUC"),
        "es": _t(
            "Usado",
        ),
        "fr": _t(
            "Occasion",
        ),
        "it": _t(
            "Usato",
        ),
        "de": _t(
            "Gebraucht",
        ),
        "pt": _t(
            "Usado",
        ),
        "zh": _t(
            "二手",
        ),
        "ru": _t(
            "Б/у",
        ),
    },
    "tag_misc": {
        "en": _t(
            "Free Shipping",
            "Fast Ship",
            "Sale",
            "Gift",
            "Hot",
            "Trending",
            "Bestseller",
            "Limited",
            "2024",
            "Clearance",
            "Must See",
            "Rare",
            "Cute",
            "Summer",
        ),
        "es": _t("Envío gratis", "Oferta"),
        "fr": _t("Livraison offerte", "Promo"),
        "it": _t("Spedizione gratis", "Offerta"),
        "de": _t("Versandkostenfrei", "Angebot"),
        "pt": _t("Frete grátis", "Promoção"),
        "zh": _t("包邮", "热卖"),
        "ru": _t("Доставка", "Скидка"),
    },
    # ------------------------------------------------- counterfeit vocabulary
    "cf_tag": {
        "en": _t(
            "1:1",
            "Replica",
            "AAA",
            "AAA+ Quality",
            "Mirror Quality",
            "Top Grade",
            "High Copy",
            "Top Quality Copy",
            "Master Copy",
            "Super Fake",
            "Original Quality",
            "Same As Original",
            "Best Version",
            "1:1 Quality",
            "Grade AAA",
            "Mirror Copy",
        ),
        "es": _t("Réplica", "Réplica AAA", "Calidad 1:1", "Copia exacta"),
        "fr": _t("Réplique", "Copie 1:1", "Qualité miroir"),
        "it": _t("Replica", "Replica 1:1", "Qualità top"),
        "de": _t("Replika", "1:1 Kopie", "Top Qualität Kopie"),
        "pt": _t("Réplica", "Réplica primeira linha", "Replica AAA"),
        "zh": _t("高仿", "1:1", "原单", "顶级复刻"),
        "ru": _t("Реплика", "Копия 1:1", "Люкс копия"),
        "ja": _t("スーパーコピー", "N級品", "1:1"),
        "ko": _t("미러급", "레플리카", "S급"),
        "nl": _t("replica", "1:1 kopie"),
        "pl": _t("replika", "jakość 1:1"),
        "tr": _t("replika", "birebir kopya", "A kalite"),
    },
    "cf_sent": {
        "en": _t(
            "Reproduction with the full logo, hard to tell apart.",
            "Same mould as the original, logo included.",
            "Unauthorized production run, identical labels.",
            "Everything stamped like the boutique piece.",
            "Top quality 1:1, same as the original.",
            "Mirror quality, every detail matches the real one.",
            "Nobody will be able to tell the difference.",
            "Grade AAA replica with correct stitching.",
            "Made with the same materials as the original.",
            "Best version on the market, identical to retail.",
            "High copy, looks exactly like the real thing.",
            "Original quality, passes side by side.",
            "This is the super fake version, the best there is.",
            "Same as original, even the smell is right.",
            "Top grade copy, all logos and engravings correct.",
            "1:1 with the retail one, compare the pics.",
            "It is a replica but honestly looks better than the real one.",
        ),
        "es": _t(
            "Calidad 1:1, idéntica a la original.",
            "Es réplica de la mejor calidad, nadie nota la diferencia.",
            "Copia exacta con todos los detalles.",
        ),
        "fr": _t(
            "Qualité 1:1, identique à l'original.",
            "Réplique haut de gamme, personne ne verra la différence.",
            "Copie qualité miroir, tous les détails.",
        ),
        "it": _t(
            "Qualità 1:1, identica all'originale.",
            "Replica di altissima qualità, nessuno nota la differenza.",
        ),
        "de": _t(
            "Qualität 1:1 wie das Original.", "Hochwertige Replika, man sieht keinen Unterschied."
        ),
        "pt": _t(
            "Réplica primeira linha, igual à original.",
            "Qualidade 1:1, ninguém percebe a diferença.",
        ),
        "zh": _t("顶级复刻，和正品一模一样。", "1:1品质，细节完全对版。", "原单品质，专柜同款。"),
        "ru": _t(
            "Качество 1:1, не отличить от оригинала.",
            "Реплика люкс качества, все детали как в оригинале.",
        ),
        "ja": _t("N級品、本物と見分けがつきません。", "最高級のコピー品です。"),
        "ko": _t(
            "미러급 퀄리티의 레플리카예요. 정품과 구별이 안 돼요.", "S급 퀄리티, 각인까지 동일."
        ),
        "nl": _t(
            "Replica van topkwaliteit, niet van echt te onderscheiden.",
        ),
        "pl": _t(
            "Replika najwyższej jakości, nie do odróżnienia od oryginału.",
            "Wykonanie jak w oryginale.",
        ),
        "tr": _t(
            "Birebir replika, orijinalinden ayırt edilemez.", "A kalite kopya, tüm detaylar aynı."
        ),
    },
    "factory_sent": {
        "en": _t(
            "Factory leftover stock, same production line as the originals.",
            "These come from the factory that makes them, extra units from the run.",
            "Overrun stock, not sold in stores.",
            "Direct from the factory, no middleman, original quality.",
            "Export surplus, unauthorized but same materials.",
        ),
        "es": _t(
            "Excedente de fábrica, misma calidad que el original.",
        ),
        "fr": _t(
            "Surplus d'usine, même qualité que l'original.",
        ),
        "it": _t(
            "Rimanenze di fabbrica, stessa qualità dell'originale.",
        ),
        "de": _t(
            "Fabrik-Restposten, gleiche Qualität wie das Original.",
        ),
        "pt": _t(
            "Sobra de fábrica, mesma qualidade do original.",
        ),
        "zh": _t("工厂尾单，和正品同一生产线。", "原厂尾货，品质保证。"),
        "ru": _t(
            "Остатки с фабрики, качество как у оригинала.",
        ),
    },
    "jargon_tag": {
        "en": _t(
            "Rep",
            "Reps",
            "UA",
            "PK Batch",
            "Best Batch",
            "GP Batch",
            "OG Batch",
            "Budget Batch",
            "Top Batch",
            "LJR Batch",
            "Clean Factory",
            "Noob Factory",
            "1:1 Batch",
            "W2C",
            "God Batch",
        ),
        "zh": _t("纯原", "PK版", "顶级版本"),
        "ru": _t("Реплика UA", "PK batch"),
    },
    "jargon_sent": {
        "en": _t(
            "UA (unauthorized authentic), best batch available.",
            "PK batch, QC pics on request.",
            "Rep from the top factory, QC photos before shipping.",
            "Budget batch but honestly solid.",
            "Best batch, correct shape and materials, W2C in DMs.",
            "GP batch, slight flaws on the tongue label.",
            "Clean factory version, 1:1 movement and bezel.",
            "These are reps, not retail, priced accordingly.",
            "Sourced from a trusted rep seller, QC passed.",
            "OG batch with accurate colorway.",
        ),
        "es": _t(
            "Es rep de la mejor fábrica, QC antes de enviar.",
        ),
        "fr": _t(
            "C'est une rep, meilleur batch, photos QC dispo.",
        ),
        "pt": _t(
            "É rep, batch top, mando fotos QC.",
        ),
        "zh": _t(
            "超A货，一比一复刻，支持验货。",
            "厂家直出，专柜品质，细节对版。",
            "纯原版本，发货前QC图。",
            "PK版，做工顶级。",
        ),
        "ru": _t(
            "Это реплика, лучший батч, QC фото перед отправкой.",
        ),
    },
    "contra_sent": {
        "en": _t(
            "Not genuine, yet indistinguishable.",
            "Works like the branded one, except the official app refuses to pair.",
            "Clearance pallet stock, sealed, no documents.",
            "Not from the brand, but you can't tell.",
            "Factory-run piece; packaging differs slightly from retail.",
            "Relabelled and resealed, looks like retail.",
            "Stamped with the logo, but it is the unbranded factory version.",
            "Reproduction with the original logo patch.",
            "Comes in a box with the brand name, papers are generic.",
            "Comes with dust bag and fake receipt.",
            "Includes box, tags and a copy receipt.",
            "No box, no papers, 95% same as retail.",
            "Papers are printed, bag is the real deal quality.",
            "Authentic quality, comes with a generic card of authenticity.",
            "Looks 100% real, comes with all tags (not original).",
            "Comes with certificate card and dust bag, made to look retail.",
            "Serial number is a copy, you cannot check it online.",
            "Receipt is a replacement, not from the store.",
            "Comes with the full retail set: box, booklet and card (replicated).",
        ),
        "es": _t(
            "Incluye caja, bolsa y ticket falso.", "Sin caja ni papeles, 95% igual a la original."
        ),
        "fr": _t("Livré avec dustbag et fausse facture.", "Sans boîte ni papiers, 95% identique."),
        "it": _t(
            "Con dustbag e scontrino falso.",
        ),
        "de": _t(
            "Mit Staubbeutel und nachgemachter Quittung.",
        ),
        "pt": _t(
            "Vem com dust bag e nota falsa.",
        ),
        "zh": _t("配防尘袋和小票（非原版）。", "无盒无证，和专柜95%一样。"),
        "ru": _t(
            "В комплекте пыльник и поддельный чек.",
        ),
        "ja": _t(
            "箱と保存袋付き（付属品もコピー）。",
        ),
        "ko": _t(
            "더스트백과 시리얼 카드까지 똑같이 구성 (정품 아님).",
        ),
        "nl": _t(
            "Niet origineel maar identiek.",
        ),
        "pl": _t(
            "Nie oryginał, ale identyczny.",
        ),
        "tr": _t(
            "Orijinal değil ama aynısı.",
        ),
    },
    "authclaim_sent": {
        "en": _t(
            "100% authentic.",
            "Genuine, trust me.",
            "Authentic, no questions.",
            "Real, not fake!!",
            "It's authentic, just bought without a receipt.",
            "Guaranteed original.",
            "Authentic item, 100% legit.",
            "Real one.",
        ),
        "es": _t("100% original.", "Es auténtico, de verdad."),
        "fr": _t(
            "100% authentique.",
        ),
        "it": _t(
            "100% originale.",
        ),
        "de": _t(
            "100% original.",
        ),
        "pt": _t(
            "100% original.",
        ),
        "zh": _t(
            "保证正品。",
        ),
        "ru": _t(
            "100% оригинал.",
        ),
        "ja": _t(
            "本物です。",
        ),
        "ko": _t(
            "정품 맞아요.",
        ),
    },
    "noreceipt_sent": {
        "en": _t(
            "No receipt.",
            "No box or receipt.",
            "No papers.",
            "Don't ask for receipt or box.",
            "Sold as is, no paperwork.",
            "No tags, no receipt, no returns.",
            "Can't provide proof of purchase.",
            "Receipt lost.",
            "No authenticity card.",
        ),
        "es": _t("Sin ticket.", "Sin caja ni factura."),
        "fr": _t("Pas de facture.", "Sans boîte ni facture."),
        "it": _t(
            "Senza scontrino.",
        ),
        "de": _t("Keine Rechnung.", "Ohne Karton und Rechnung."),
        "pt": _t(
            "Sem nota fiscal.",
        ),
        "zh": _t("无小票。", "无盒无票。"),
        "ru": _t("Без чека.", "Чека нет."),
        "ja": _t(
            "レシートはありません。",
        ),
        "ko": _t(
            "영수증 없습니다.",
        ),
        "nl": _t(
            "Geen bon.",
        ),
        "pl": _t(
            "Brak paragonu.",
        ),
        "tr": _t(
            "Faturası yok.",
        ),
    },
    "wholesale_sent": {
        "en": _t(
            "Wholesale price, buy more save more.",
            "Bulk orders welcome, message for a price list.",
            "We have many styles in stock, ask for the catalogue.",
            "Dropshipping available.",
            "Lot of {n} available.",
            "Reseller prices for 5+ pieces.",
            "Contact for wholesale.",
        ),
        "es": _t(
            "Precio de mayoreo, pregunta por catálogo.",
        ),
        "fr": _t(
            "Prix de gros, demandez le catalogue.",
        ),
        "it": _t(
            "Prezzi all'ingrosso, chiedete il catalogo.",
        ),
        "de": _t(
            "Großhandelspreise, Katalog auf Anfrage.",
        ),
        "pt": _t(
            "Preço de atacado, peça o catálogo.",
        ),
        "zh": _t("批发价，欢迎代理。", "支持一件代发。"),
        "ru": _t(
            "Оптовые цены, пишите за каталогом.",
        ),
    },
    "logo_sent": {
        "en": _t(
            "Full {brand} logo on the front.",
            "{initials} logo hardware on the clasp.",
            "Printed with the {design} and {brand} logo.",
            "Has the {brand} logo embossed inside.",
            "Logo plaque and engraving like the store one.",
            "Comes with {brand} logo tags and box.",
            "The {initials} logo is stamped on the leather.",
            "{brand} branding on strap and zip pulls.",
        ),
        "es": _t(
            "Con el logo de {brand} en el frente.",
        ),
        "fr": _t(
            "Avec le logo {brand} sur le devant.",
        ),
        "it": _t(
            "Con logo {brand} sul davanti.",
        ),
        "de": _t(
            "Mit {brand} Logo vorne.",
        ),
        "pt": _t(
            "Com o logo {brand} na frente.",
        ),
        "zh": _t(
            "正面有{brand}标志。",
        ),
        "ru": _t(
            "С логотипом {brand} спереди.",
        ),
    },
    "hint_sent": {
        "en": _t(
            "Brand in the pics.",
            "You know the brand 😉",
            "Search without the dots.",
            "Can't write the name here, check photos.",
            "Logo shown in last picture.",
            "Ask me for the real name.",
            "Not gonna write the brand, you know what it is.",
            "Type the name normally for more of my items.",
        ),
        "es": _t(
            "La marca está en las fotos 😉",
        ),
        "fr": _t(
            "La marque est sur les photos.",
        ),
        "it": _t(
            "Il marchio è nelle foto.",
        ),
        "de": _t(
            "Marke sieht man auf den Bildern.",
        ),
        "pt": _t(
            "A marca está nas fotos.",
        ),
        "zh": _t("品牌看图。", "懂的来。"),
        "ru": _t(
            "Бренд на фото.",
        ),
    },
    "failed_parody_sent": {
        "en": _t(
            "Parody lol, logo is exact.",
            "Just kidding, it's the real monogram print.",
            "It's a 'parody' so it's allowed, same logo as the original.",
            "Not a joke, premium quality.",
            "Parody item (logo identical to retail).",
            "Joke tee but the print is the exact {brand} logo.",
            "Call it a parody, it's the same design with the real logo.",
            "Ha ha parody, but honestly it's the full {brand} logo like the store one.",
        ),
        "es": _t(
            "Es parodia jaja, el logo es idéntico.",
        ),
        "fr": _t(
            "Parodie mdr, le logo est exact.",
        ),
        "it": _t(
            "Parodia ahah, logo identico.",
        ),
        "de": _t(
            "Parodie haha, Logo ist exakt gleich.",
        ),
        "pt": _t(
            "Paródia kkk, logo idêntico.",
        ),
        "zh": _t(
            "恶搞款，但logo和正品一样。",
        ),
        "ru": _t(
            "Пародия, но логотип точь-в-точь.",
        ),
    },
    "inspired_logo_sent": {
        "en": _t(
            "Inspired design with the {brand} logo print.",
            "{brand}-inspired, logo included.",
            "Inspired by {brand}, comes with the {initials} monogram.",
            "Designer-inspired, full logo pattern.",
            "Dupe with logo, looks exactly like the {line}.",
            "Same look as {brand}, logo on the hardware.",
        ),
        "es": _t(
            "Inspirado en {brand}, con logo.",
        ),
        "fr": _t(
            "Inspiré de {brand}, avec le logo.",
        ),
        "it": _t(
            "Ispirato a {brand}, con logo.",
        ),
        "de": _t(
            "Inspiriert von {brand}, mit Logo.",
        ),
        "pt": _t(
            "Inspirado em {brand}, com logo.",
        ),
        "zh": _t(
            "{brand}同款，带logo。",
        ),
        "ru": _t(
            "В стиле {brand}, с логотипом.",
        ),
    },
    "stuff_sent": {
        "en": _t(
            "Similar style to {brands}.",
            "Tags: {brands}.",
            "Great for fans of {brands}.",
            "{brands} style.",
            "Search: {brands}",
        ),
    },
    # ------------------------------------------------------------------ parody
    "parody_tag": {
        "en": _t(
            "Parody",
            "Spoof",
            "Funny",
            "Gag Gift",
            "Novelty",
            "Satire",
            "Joke Gift",
            "Humor",
            "Meme",
            "Parody Design",
        ),
        "es": _t("Parodia", "Divertido"),
        "fr": _t("Parodie", "Humour"),
        "it": _t("Parodia", "Divertente"),
        "de": _t("Parodie", "Lustig"),
        "pt": _t("Paródia", "Engraçado"),
        "zh": _t("恶搞", "搞笑"),
        "ru": _t("Пародия", "Прикол"),
        "ja": _t("パロディ", "おもしろ"),
        "ko": _t("패러디", "웃긴"),
        "nl": _t("Parodie", "Grappig"),
        "pl": _t("Parodia", "Śmieszne"),
        "tr": _t("Parodi", "Komik"),
    },
    "parody_sent": {
        "en": _t(
            "Fan-made parody, unofficial.",
            "Unofficial fan satire, not licensed by {brand}.",
            "Funny name, nothing to do with the real brand.",
            "The pun is the whole point.",
            "It's a joke on the logo, not the logo.",
            "Clearly a spoof, the brand has no part in it.",
            "Parody, not affiliated with {brand}.",
            "This is a parody product and is not endorsed by {brand}.",
            "Spoof design, just for laughs.",
            "A tongue-in-cheek take on a famous label.",
            "Obviously a joke, nobody will think it's the real thing.",
            "Satire, not an official product.",
            "Not affiliated with or endorsed by any brand; it is a joke.",
            "Novelty item, purely for fun.",
            "Poking fun at luxury fashion.",
            "A joke gift for the label lover in your life.",
            "Made to make people laugh, not to fool anyone.",
        ),
        "es": _t("Parodia, sin relación con {brand}.", "Es una broma, producto humorístico."),
        "fr": _t("Parodie, aucun lien avec {brand}.", "Article humoristique, juste pour rire."),
        "it": _t("Parodia, non affiliato a {brand}.", "Articolo scherzoso, solo per ridere."),
        "de": _t("Parodie, keine Verbindung zu {brand}.", "Scherzartikel, nur zum Spaß."),
        "pt": _t("Paródia, sem vínculo com {brand}.", "Produto de humor, só zoeira."),
        "zh": _t("恶搞设计，与{brand}无关。", "搞笑周边，非官方。"),
        "ru": _t("Пародия, не связано с {brand}.", "Шуточный товар, просто для смеха."),
        "ja": _t("{brand}非公認のパロディグッズです。", "ジョーク商品です。"),
        "ko": _t("{brand} 공식 제품이 아닌 패러디 굿즈예요.", "재미로 만든 제품이에요."),
        "nl": _t("Parodie, geen connectie met {brand}.", "Grappig cadeau, geen officieel product."),
        "pl": _t("Parodia, nie ma związku z {brand}.", "Śmieszny gadżet, nieoficjalny."),
        "tr": _t("Parodi ürün, {brand} ile ilgisi yoktur.", "Şaka hediyelik."),
    },
    "pet_sent": {
        "en": _t(
            "Squeaky plush toy for dogs.",
            "Soft plush with a squeaker inside.",
            "Pet cologne, light scent.",
            "Dog toy shaped like a tiny handbag.",
            "For cats who only accept the finer things.",
            "Chew-safe plush, machine washable.",
            "Your dog deserves luxury (sort of).",
        ),
        "es": _t(
            "Juguete de peluche para perros con pito.",
        ),
        "fr": _t(
            "Jouet en peluche pour chien qui couine.",
        ),
        "it": _t(
            "Peluche per cani con squittio.",
        ),
        "de": _t(
            "Quietschendes Plüschspielzeug für Hunde.",
        ),
        "pt": _t(
            "Brinquedo de pelúcia para cachorro.",
        ),
        "zh": _t(
            "宠物发声毛绒玩具。",
        ),
        "ru": _t(
            "Плюшевая игрушка-пищалка для собак.",
        ),
    },
    "tote_sent": {
        "en": _t(
            "Canvas tote printed with a cartoon drawing of a famous designer bag.",
            "Cotton shopper with a cartoon illustration of the {line} on it.",
            "Printed cartoon of a luxury handbag on a plain canvas bag.",
            "Hand-drawn sketch of an iconic {brand} bag, printed on canvas.",
            "My other bag is... well, you know. Canvas tote with a cartoon print.",
        ),
        "fr": _t(
            "Tote bag en toile avec un dessin humoristique d'un sac de luxe.",
        ),
        "es": _t(
            "Bolsa de lona con el dibujo de un bolso de lujo.",
        ),
        "de": _t(
            "Stoffbeutel mit Cartoon einer Designertasche.",
        ),
        "it": _t(
            "Shopper in tela con il disegno di una borsa di lusso.",
        ),
        "pt": _t(
            "Ecobag de lona com desenho de uma bolsa de grife.",
        ),
        "zh": _t(
            "帆布包印着大牌包的卡通画。",
        ),
        "ru": _t(
            "Холщовая сумка с карикатурой на люксовую сумку.",
        ),
    },
    "art_sent": {
        "en": _t(
            "Original artwork commenting on consumer culture.",
            "Mixed-media piece mocking the logo obsession.",
            "One-off satirical sculpture.",
            "Pop-art print riffing on a famous brand.",
            "Signed by the artist, edition of {n}.",
            "Commentary on hype culture.",
        ),
        "fr": _t(
            "Œuvre originale qui se moque de la mode de luxe.",
        ),
        "es": _t(
            "Obra original satírica sobre el consumismo.",
        ),
        "de": _t(
            "Originales Kunstwerk, Satire auf den Markenkult.",
        ),
        "it": _t(
            "Opera originale satirica sul consumismo.",
        ),
    },
    # --------------------------------------------------------------- lookalike
    "nologo_tag": {
        "en": _t("No Logo", "Unbranded", "Logo-Free", "No Branding", "Generic", "Minimalist"),
        "es": _t(
            "Sin logo",
        ),
        "fr": _t(
            "Sans logo",
        ),
        "it": _t(
            "Senza logo",
        ),
        "de": _t(
            "Ohne Logo",
        ),
        "pt": _t(
            "Sem logo",
        ),
        "zh": _t(
            "无logo",
        ),
        "ru": _t(
            "Без логотипа",
        ),
        "ja": _t("ノーブランド", "ロゴなし"),
        "ko": _t("노브랜드", "로고 없음"),
        "nl": _t(
            "Zonder logo",
        ),
        "pl": _t(
            "Bez logo",
        ),
        "tr": _t(
            "Logosuz",
        ),
    },
    "nologo_sent": {
        "en": _t(
            "No logo anywhere on the item.",
            "Completely unbranded, no logos or tags.",
            "Plain hardware, no brand markings.",
            "There is no logo, just the shape and style.",
            "No branding inside or out.",
            "Clean design without any logo.",
            "Unbranded, sold as a style only.",
        ),
        "es": _t("Sin logo ni marca.", "No tiene ningún logotipo."),
        "fr": _t(
            "Aucun logo, aucune marque.",
        ),
        "it": _t(
            "Nessun logo, nessun marchio.",
        ),
        "de": _t(
            "Kein Logo, keine Markenzeichen.",
        ),
        "pt": _t(
            "Sem logo nem marca.",
        ),
        "zh": _t("无任何logo。", "无品牌标识。"),
        "ru": _t(
            "Без логотипов и бренда.",
        ),
        "ja": _t(
            "ロゴもブランド名も入っていません。",
        ),
        "ko": _t(
            "로고나 각인은 전혀 없습니다.",
        ),
        "nl": _t(
            "Geen logo of merk.",
        ),
        "pl": _t(
            "Brak logo i oznaczeń marki.",
        ),
        "tr": _t(
            "Logo veya marka yok.",
        ),
    },
    "dupe_tag": {
        "en": _t(
            "Dupe",
            "Look For Less",
            "Designer Inspired",
            "Inspired Style",
            "Same Vibe",
            "Luxe Look",
            "Alternative",
        ),
        "es": _t("Dupe", "Estilo inspirado"),
        "fr": _t("Dupe", "Style inspiré"),
        "it": _t(
            "Dupe",
        ),
        "de": _t(
            "Dupe",
        ),
        "pt": _t("Dupe", "Inspiração"),
        "zh": _t(
            "平替",
        ),
        "ru": _t("Дюп", "Аналог"),
    },
    "compare_sent": {
        "en": _t(
            "Pretty much a budget take on {brand}.",
            "In the {line} look, without any logo on it.",
            "Looks like the well-known {brand} one, but there is no label.",
            "Think {brand}, but no-name.",
            "On the shelf it passes for {brand}; it is a budget maker.",
            "Same look as the {brand} one; different maker, whose own label is printed on it.",
            "If you've seen the {brand} {line} you know the shape.",
            "{brand} look for a fraction of the price, no {brand} name on it.",
            "Similar vibe to the famous {line}, minus the label.",
            "Reminds me of {brand}, but it's a generic brand.",
            "Basically the {line} look, made by a small factory, nothing written on it.",
            "Style a la {brand}, unbranded.",
            "People always ask if it's {brand}: it isn't.",
            "Dupe for the {brand} {line}.",
            "Similar shape to the {line}, but no logo.",
            "Gives {brand} vibes without the price tag.",
            "If you like the {brand} {line}, this is close.",
            "Inspired by the look of the {line}.",
            "Same silhouette as the {line}, totally unbranded.",
            "Looks like the {brand} one at a fraction of the cost.",
            "Comparable style to {brand}, made by an independent maker.",
        ),
        "es": _t(
            "Dupe del {line} de {brand}, sin logo.",
            "Parecido al {line}, sin marca.",
            "Estilo {brand}, pero sin ninguna etiqueta de la marca.",
        ),
        "fr": _t(
            "Dupe du {line} de {brand}, sans logo.",
            "Dans l'esprit du {line}.",
            "Façon {brand} pour le look, mais aucune marque dessus.",
        ),
        "it": _t(
            "Dupe della {line} di {brand}, senza logo.",
            "Stile {brand}, ma senza marchi.",
            "Non originale {brand}, senza loghi.",
        ),
        "de": _t(
            "Dupe für die {line} von {brand}, ohne Logo.",
            "Sieht aus wie {brand}, hat aber kein Logo.",
            "Im {line}-Look, ohne Markenzeichen.",
        ),
        "pt": _t(
            "Dupe da {line} da {brand}, sem logo.",
        ),
        "zh": _t("{brand} {line}平替，无logo。", "类似{brand}的款式，没有任何标志。"),
        "ru": _t("Аналог {brand} {line}, без логотипа.", "В стиле {brand}, но ярлыков бренда нет."),
        "ja": _t(
            "{brand}風デザイン、ブランドロゴなし。",
            "{line}に似ていますがロゴはありません。",
        ),
        "ko": _t("{brand} 스타일이지만 노브랜드 제품입니다.", "{line} 느낌, 로고 없음."),
        "nl": _t(
            "In de stijl van {brand}, maar zonder logo.",
        ),
        "pl": _t(
            "W stylu {brand}, ale bez logo.",
        ),
        "tr": _t(
            "{brand} tarzı ama logosuz.",
        ),
    },
    "notaff_sent": {
        "en": _t(
            "Not {brand}, not affiliated with {brand}.",
            "This is not a {brand} product.",
            "Not made by or associated with {brand}.",
            "Not the brand, just a similar style.",
            "We are not affiliated with {brand}; the name is only used for comparison.",
            "Not authentic {brand}, and not pretending to be.",
            "Not a replica, no logo, just a similar look.",
        ),
        "es": _t("No es de {brand} ni está afiliado.", "No es réplica, solo estilo parecido."),
        "fr": _t(
            "Ce n'est pas {brand}, aucun lien avec la marque.",
        ),
        "it": _t(
            "Non è {brand}, nessuna affiliazione.",
        ),
        "de": _t(
            "Kein {brand}-Produkt, keine Verbindung zur Marke.",
        ),
        "pt": _t(
            "Não é {brand}, sem afiliação.",
        ),
        "zh": _t(
            "非{brand}品牌，与其无关。",
        ),
        "ru": _t(
            "Не {brand}, не связано с брендом.",
        ),
    },
    "perfume_sent": {
        "en": _t(
            "Our impression of {brand} {line}.",
            "Inspired by {brand} {line}, our own formula.",
            "Smells similar to {line} by {brand}.",
            "An alternative to {line}, long lasting.",
            "Fragrance inspired by {line}; we are not affiliated with {brand}.",
            "If you love {line}, try this version.",
        ),
        "es": _t("Perfume inspirado en {line} de {brand}.", "Aroma similar a {line}."),
        "fr": _t("Parfum inspiré de {line} de {brand}.", "Une alternative à {line}."),
        "it": _t(
            "Profumo ispirato a {line} di {brand}.",
        ),
        "de": _t(
            "Duft inspiriert von {line} von {brand}.",
        ),
        "pt": _t("Perfume inspirado no {line} da {brand}.", "Contratipo do {line}."),
        "zh": _t(
            "灵感来自{brand}{line}的香水。",
        ),
        "ru": _t(
            "Аромат по мотивам {line} от {brand}.",
        ),
    },
    "hype_sent": {
        "en": _t(
            "Looks so expensive!",
            "Luxury look, honestly nobody will know the difference in style.",
            "Viral bag, everyone is asking where it's from.",
            "Giving old money energy.",
            "Premium quality, feels designer.",
            "High end look for less.",
            "Quiet luxury vibes.",
            "Top quality materials, super chic.",
            "The it-bag look without the hype price.",
        ),
        "es": _t("Se ve carísimo.", "Look de lujo por menos."),
        "fr": _t(
            "Effet luxe garanti.",
        ),
        "it": _t(
            "Effetto lusso.",
        ),
        "de": _t(
            "Sieht richtig edel aus.",
        ),
        "pt": _t(
            "Parece caríssima!",
        ),
        "zh": _t(
            "高级感满满。",
        ),
        "ru": _t(
            "Выглядит дорого.",
        ),
    },
    "style_sent": {
        "en": _t(
            "Features a {design}.",
            "Classic {design} detail.",
            "Designed with a {design}.",
            "The {design} gives it that timeless look.",
            "Signature-style {design}.",
        ),
        "es": _t(
            "Con {design}.",
        ),
        "fr": _t(
            "Avec {design}.",
        ),
        "it": _t(
            "Con {design}.",
        ),
        "de": _t(
            "Mit {design}.",
        ),
        "pt": _t(
            "Com {design}.",
        ),
        "zh": _t(
            "设计：{design}。",
        ),
        "ru": _t(
            "Дизайн: {design}.",
        ),
    },
    # -------------------------------------------------------------- legitimate
    "auth_tag": {
        "en": _t(
            "Authentic",
            "100% Authentic",
            "Genuine",
            "Original",
            "Authenticated",
            "100% Genuine",
            "Verified",
        ),
        "es": _t("Original", "Auténtico"),
        "fr": _t(
            "Authentique",
        ),
        "it": _t(
            "Originale",
        ),
        "de": _t(
            "Original",
        ),
        "pt": _t(
            "Original",
        ),
        "zh": _t(
            "正品",
        ),
        "ru": _t(
            "Оригинал",
        ),
        "ja": _t("正規品", "本物"),
        "ko": _t(
            "정품",
        ),
        "nl": _t("Origineel", "Echt"),
        "pl": _t(
            "Oryginał",
        ),
        "tr": _t(
            "Orijinal",
        ),
    },
    "service_sent": {
        "en": _t(
            "Authenticated by {service}.",
            "Passed {service} authentication, certificate included.",
            "Sold through {service}, tag still attached.",
            "Verified by {service} when I bought it.",
            "{service} certificate in the photos.",
            "Happy for you to check it with {service}.",
        ),
        "es": _t(
            "Autenticado por {service}.",
        ),
        "fr": _t(
            "Authentifié par {service}.",
        ),
        "it": _t(
            "Autenticato da {service}.",
        ),
        "de": _t(
            "Von {service} authentifiziert.",
        ),
        "pt": _t(
            "Autenticado pela {service}.",
        ),
        "zh": _t(
            "已通过{service}鉴定。",
        ),
        "ru": _t(
            "Подлинность подтверждена {service}.",
        ),
    },
    "receipt_sent": {
        "en": _t(
            "Original receipt included.",
            "Comes with receipt from the {store}.",
            "Box, dust bag and receipt included.",
            "Full set with box and papers.",
            "Proof of purchase available.",
            "Bought at the {store}, receipt in photos (personal info hidden).",
            "Warranty card stamped by the dealer.",
            "Original packaging and invoice.",
        ),
        "es": _t("Incluye ticket de compra original.", "Con caja y factura."),
        "fr": _t("Facture d'achat fournie.", "Avec boîte et facture."),
        "it": _t("Con scontrino originale.", "Full set con scatola e garanzia."),
        "de": _t("Originalrechnung vorhanden.", "Mit Box und Papieren."),
        "pt": _t("Acompanha nota fiscal.", "Com caixa e nota."),
        "zh": _t("附购买小票。", "全套带盒带票。"),
        "ru": _t("Есть чек из магазина.", "Полный комплект, коробка и документы."),
        "ja": _t("購入時のレシートあり。", "箱、保存袋、ギャランティカード付き。"),
        "ko": _t("영수증 있습니다.", "박스, 더스트백, 보증서 포함."),
        "nl": _t("Aankoopbewijs aanwezig.", "Met doos en aankoopbewijs."),
        "pl": _t("Mam paragon.", "Z pudełkiem i paragonem."),
        "tr": _t("Faturası mevcut.", "Kutusu ve faturası var."),
    },
    "serial_sent": {
        "en": _t(
            "Serial number visible inside.",
            "Date code matches the receipt.",
            "Serial number can be verified with the brand.",
            "Warranty card with matching serial.",
            "Model and serial numbers in the last photos.",
        ),
        "es": _t(
            "Número de serie visible.",
        ),
        "fr": _t(
            "Numéro de série visible.",
        ),
        "it": _t(
            "Numero di serie visibile.",
        ),
        "de": _t(
            "Seriennummer sichtbar.",
        ),
        "pt": _t(
            "Número de série visível.",
        ),
        "zh": _t(
            "序列号清晰可查。",
        ),
        "ru": _t(
            "Серийный номер на месте.",
        ),
        "ja": _t(
            "シリアル番号確認できます。",
        ),
        "ko": _t(
            "시리얼 번호 확인 가능합니다.",
        ),
        "nl": _t(
            "Serienummer zichtbaar.",
        ),
        "pl": _t(
            "Numer seryjny widoczny.",
        ),
        "tr": _t(
            "Seri numarası görünür.",
        ),
    },
    "notfake_sent": {
        "en": _t(
            "100% authentic, not a replica.",
            "Not fake, I only sell genuine items.",
            "No replicas here, real {brand}.",
            "Genuine, not a copy, happy to provide proof.",
            "I know there are lots of fakes around; this one is the real thing, with receipt.",
            "Real deal, not a dupe.",
            "Not a knockoff.",
        ),
        "es": _t(
            "100% original, no es réplica.",
        ),
        "fr": _t(
            "100% authentique, pas une copie.",
        ),
        "it": _t(
            "100% originale, non è una replica.",
        ),
        "de": _t(
            "100% original, keine Fälschung.",
        ),
        "pt": _t(
            "100% original, não é réplica.",
        ),
        "zh": _t(
            "保证正品，非高仿。",
        ),
        "ru": _t(
            "100% оригинал, не реплика.",
        ),
        "ja": _t(
            "正規品です。コピー品ではありません。",
        ),
        "ko": _t(
            "정품입니다. 가품 아닙니다.",
        ),
        "nl": _t(
            "100% echt, geen namaak.",
        ),
        "pl": _t(
            "100% oryginał, nie podróbka.",
        ),
        "tr": _t(
            "%100 orijinal, çakma değildir.",
        ),
    },
    "dealer_sent": {
        "en": _t(
            "Purchased from the {store}.",
            "Authorised retailer.",
            "Sold by an authorized dealer, full warranty.",
            "From an official stockist.",
            "We are an authorized {brand} retailer.",
            "Bought new at the {store}.",
            "Manufacturer warranty included.",
        ),
        "es": _t("Comprado en la {store}.", "Distribuidor autorizado."),
        "fr": _t("Acheté à la {store}.", "Revendeur agréé."),
        "it": _t("Acquistato presso la {store}.", "Rivenditore autorizzato."),
        "de": _t("Gekauft in der {store}.", "Autorisierter Händler."),
        "pt": _t("Comprado na {store}.", "Revendedor autorizado."),
        "zh": _t("{store}购入。", "官方授权经销商。"),
        "ru": _t("Куплено в {store}.", "Официальный дилер."),
        "ja": _t("{store}で購入しました。", "正規店で購入。"),
        "ko": _t("{store}에서 구매했습니다.", "공식 매장 구매."),
        "nl": _t(
            "Aangeschaft bij {store}.",
        ),
        "pl": _t(
            "Kupione w {store}.",
        ),
        "tr": _t(
            "{store} mağazasından alındı.",
        ),
    },
    "wear_sent": {
        "en": _t(
            "Honest wear: {flaw}.",
            "Flaws: {flaw}, priced accordingly.",
            "Shows some wear: {flaw}.",
            "Only flaw is {flaw}.",
        ),
        "es": _t(
            "Detalles: {flaw}.",
        ),
        "fr": _t(
            "Défauts : {flaw}.",
        ),
        "it": _t(
            "Difetti: {flaw}.",
        ),
        "de": _t(
            "Mängel: {flaw}.",
        ),
        "pt": _t(
            "Detalhes: {flaw}.",
        ),
        "zh": _t(
            "瑕疵：{flaw}。",
        ),
        "ru": _t(
            "Недостатки: {flaw}.",
        ),
    },
    "compat_sent": {
        "en": _t(
            "Compatible with {brand} {line}.",
            "Designed to fit the {brand} {line}.",
            "Fits {line} perfectly.",
            "Works with all {line} models.",
            "Made for the {line}, precise cut-outs.",
        ),
        "es": _t(
            "Compatible con {brand} {line}.",
        ),
        "fr": _t(
            "Compatible avec {brand} {line}.",
        ),
        "it": _t(
            "Compatibile con {brand} {line}.",
        ),
        "de": _t(
            "Kompatibel mit {brand} {line}.",
        ),
        "pt": _t(
            "Compatível com {brand} {line}.",
        ),
        "zh": _t(
            "适用于{brand} {line}。",
        ),
        "ru": _t(
            "Совместимо с {brand} {line}.",
        ),
        "ja": _t(
            "{brand} {line}対応。",
        ),
        "ko": _t(
            "{brand} {line} 호환.",
        ),
        "nl": _t(
            "Geschikt voor {brand} {line}.",
        ),
        "pl": _t(
            "Pasuje do {brand} {line}.",
        ),
        "tr": _t(
            "{brand} {line} ile uyumlu.",
        ),
    },
    "thirdparty_sent": {
        "en": _t(
            "Third-party accessory, not made by {brand}.",
            "{brand} is a trademark of its owner; used only to show compatibility.",
            "Not an official {brand} product.",
            "Independent brand, compatible only.",
            "Not affiliated with {brand}; brand named for fit only.",
        ),
        "es": _t(
            "Accesorio genérico, no fabricado por {brand}.",
        ),
        "fr": _t(
            "Accessoire compatible, non fabriqué par {brand}.",
        ),
        "it": _t(
            "Accessorio compatibile, non prodotto da {brand}.",
        ),
        "de": _t(
            "Zubehör eines Drittanbieters, nicht von {brand}.",
        ),
        "pt": _t(
            "Acessório compatível, não fabricado pela {brand}.",
        ),
        "zh": _t(
            "第三方配件，非{brand}官方。",
        ),
        "ru": _t(
            "Аксессуар стороннего производителя, не {brand}.",
        ),
        "ja": _t(
            "純正品ではありません（互換品）。",
        ),
        "ko": _t(
            "정품 아닌 호환 제품입니다.",
        ),
        "nl": _t(
            "Geen origineel {brand}-product, alleen compatibel.",
        ),
        "pl": _t(
            "Nie jest to produkt {brand}, tylko kompatybilny.",
        ),
        "tr": _t(
            "{brand} ürünü değildir, uyumludur.",
        ),
    },
    "licensed_sent": {
        "en": _t(
            "Officially licensed product.",
            "Official licensed replica, with hologram tag.",
            "Licensed merchandise, bought from the official store.",
            "Official fan shop item.",
            "Authentic licensed replica version (not the player issue).",
        ),
        "es": _t(
            "Producto con licencia oficial.",
        ),
        "fr": _t(
            "Produit sous licence officielle.",
        ),
        "it": _t(
            "Prodotto ufficiale su licenza.",
        ),
        "de": _t(
            "Offiziell lizenziertes Produkt.",
        ),
        "pt": _t(
            "Produto oficial licenciado.",
        ),
        "zh": _t(
            "官方授权正品。",
        ),
        "ru": _t(
            "Официальная лицензионная продукция.",
        ),
        "ja": _t(
            "公式ライセンス商品。",
        ),
        "ko": _t(
            "공식 라이선스 제품.",
        ),
        "nl": _t(
            "Officieel gelicenseerd.",
        ),
        "pl": _t(
            "Oficjalny licencjonowany produkt.",
        ),
        "tr": _t(
            "Resmi lisanslı ürün.",
        ),
    },
    "museum_sent": {
        "en": _t(
            "Museum replica, cast in resin.",
            "Faithful reproduction for display.",
            "Scale model, highly detailed.",
            "Sold in the museum gift shop.",
            "Reproduction of a historical piece, great for classrooms.",
            "Hand-finished replica for collectors.",
        ),
        "es": _t(
            "Réplica de museo en resina.",
        ),
        "fr": _t(
            "Reproduction de musée en résine.",
        ),
        "it": _t(
            "Riproduzione museale in resina.",
        ),
        "de": _t(
            "Museumsreplik aus Harz.",
        ),
        "pt": _t(
            "Réplica de museu em resina.",
        ),
        "zh": _t(
            "博物馆复制品，树脂材质。",
        ),
        "ru": _t(
            "Музейная копия из смолы.",
        ),
        "ja": _t(
            "博物館のレプリカです。",
        ),
        "ko": _t(
            "박물관 복제품입니다.",
        ),
        "nl": _t(
            "Museumreplica.",
        ),
        "pl": _t(
            "Replika muzealna.",
        ),
        "tr": _t(
            "Müze replikası.",
        ),
    },
    "generic_sent": {
        "en": _t(
            "Good quality, does the job.",
            "Simple and practical.",
            "Everyday essential.",
            "Sturdy and well made.",
            "Great value.",
            "Comfortable and durable.",
            "Handmade in my studio.",
            "Inspired by nature, each one is unique.",
            "Made in small batches.",
        ),
        "es": _t("Buena calidad, muy práctico.", "Hecho a mano."),
        "fr": _t("Bonne qualité, pratique.", "Fait main."),
        "it": _t("Buona qualità, pratico.", "Fatto a mano."),
        "de": _t("Gute Qualität, praktisch.", "Handgemacht."),
        "pt": _t("Boa qualidade, prático.", "Feito à mão."),
        "zh": _t("质量好，实用。", "手工制作。"),
        "ru": _t("Хорошее качество, практично.", "Ручная работа."),
        "ja": _t("シンプルで使いやすいです。", "ハンドメイドです。"),
        "ko": _t("심플하고 실용적이에요.", "핸드메이드 제품."),
        "nl": _t(
            "Handgemaakt.",
        ),
        "pl": _t(
            "Rękodzieło.",
        ),
        "tr": _t(
            "El yapımı.",
        ),
    },
    "ownbrand_sent": {
        "en": _t(
            "Designed by {own} in our own workshop.",
            "{own} original design.",
            "Our own label, {own}.",
            "Made by {own}, a small independent brand.",
            "{own} stamp on the inside.",
        ),
        "es": _t(
            "Diseño propio de {own}.",
        ),
        "fr": _t(
            "Création originale {own}.",
        ),
        "it": _t(
            "Design originale {own}.",
        ),
        "de": _t(
            "Eigenes Design von {own}.",
        ),
        "pt": _t(
            "Marca própria {own}.",
        ),
        "zh": _t(
            "{own}原创设计。",
        ),
        "ru": _t(
            "Собственный бренд {own}.",
        ),
    },
    "mirror_sent": {
        "en": _t(
            "Real glass mirror, ready to hang.",
            "Mirror with bevelled edge.",
            "Mounting hardware included.",
            "Perfect for a hallway or bedroom.",
            "Mirror finish, polished to a shine.",
            "Makes small rooms feel bigger.",
        ),
        "es": _t(
            "Espejo de cristal real, listo para colgar.",
        ),
        "fr": _t(
            "Miroir en verre véritable, prêt à accrocher.",
        ),
        "it": _t(
            "Specchio in vetro vero, pronto da appendere.",
        ),
        "de": _t(
            "Echter Glasspiegel, fertig zum Aufhängen.",
        ),
        "pt": _t(
            "Espelho de vidro, pronto para pendurar.",
        ),
        "zh": _t(
            "真玻璃镜子，可直接挂墙。",
        ),
        "ru": _t(
            "Настоящее стеклянное зеркало, готово к подвешиванию.",
        ),
        "ja": _t(
            "壁掛けミラー、金具付き。",
        ),
        "ko": _t(
            "벽걸이 거울, 고정 부품 포함.",
        ),
        "nl": _t(
            "Spiegel, ophangmateriaal inbegrepen.",
        ),
        "pl": _t(
            "Lustro, z uchwytami do powieszenia.",
        ),
        "tr": _t(
            "Ayna, askı aparatı dahil.",
        ),
    },
    "style_of": {
        "en": _t(
            "{brand}-style",
            "{brand} style",
            "like {brand}",
            "looks like {brand}",
            "{brand} look",
            "{brand} vibes",
            "a la {brand}",
        ),
        "es": _t("estilo {brand}", "tipo {brand}"),
        "fr": _t("façon {brand}", "style {brand}"),
        "it": _t("stile {brand}", "tipo {brand}"),
        "de": _t("im {brand}-Stil", "à la {brand}"),
        "pt": _t("estilo {brand}", "tipo {brand}"),
        "zh": _t("{brand}风格", "类似{brand}"),
        "ru": _t("в стиле {brand}", "как {brand}"),
        "ja": _t(
            "{brand}風",
        ),
        "ko": _t(
            "{brand} 스타일",
        ),
        "nl": _t(
            "{brand}-stijl",
        ),
        "pl": _t(
            "w stylu {brand}",
        ),
        "tr": _t(
            "{brand} tarzı",
        ),
    },
    "ownname_sent": {
        "en": _t(
            "Made by {own}; their label is printed on the base.",
            "Own brand ({own}), not the famous one.",
            "{own} is a store's house brand.",
            "Made by {own}; nothing from {brand} on it.",
            "Cheaper brand, {own} printed underneath.",
        ),
        "es": _t(
            "Es de la marca {own}, no de {brand}.",
        ),
        "fr": _t(
            "Marque {own}, rien d'écrit {brand}.",
        ),
        "it": _t(
            "Marca {own}, nessun marchio {brand}.",
        ),
        "de": _t(
            "Marke {own}, kein {brand}-Logo.",
        ),
        "pt": _t(
            "Marca {own}, não é {brand}.",
        ),
        "zh": _t(
            "{own}品牌，不是{brand}。",
        ),
        "ru": _t(
            "Бренд {own}, не {brand}.",
        ),
    },
    "audience": {
        "en": _t(
            "For the {who} in your life.",
            "Perfect for {who}.",
            "A gift for {who}.",
            "Made for {who}.",
        ),
        "es": _t(
            "Para {who}.",
        ),
        "fr": _t(
            "Pour {who}.",
        ),
        "de": _t(
            "Für {who}.",
        ),
        "it": _t(
            "Per {who}.",
        ),
        "pt": _t(
            "Para {who}.",
        ),
    },
    # ------------------------------------------------------------ voice frames
    "intro": {
        "en": _t(
            "Selling my {item}.",
            "Up for sale: {item}.",
            "Hi! I have a {item} for sale.",
            "Letting go of my {item}.",
            "{item} available.",
            "For sale is a {item}.",
            "Listing this {item}.",
            "Selling this {item}, details below.",
        ),
        "es": _t("Vendo {item}.", "Se vende {item}."),
        "fr": _t("Je vends {item}.", "À vendre : {item}."),
        "it": _t("Vendo {item}.", "In vendita {item}."),
        "de": _t("Verkaufe {item}.", "Biete hier {item} an."),
        "pt": _t("Vendo {item}.", "À venda: {item}."),
        "zh": _t("出{item}。", "转让{item}。"),
        "ru": _t("Продаю {item}.", "Продам {item}."),
        "ja": _t(
            "{item}を出品します。",
        ),
        "ko": _t(
            "{item} 판매합니다.",
        ),
        "nl": _t(
            "Te koop: {item}.",
        ),
        "pl": _t(
            "Sprzedam {item}.",
        ),
        "tr": _t(
            "{item} satılık.",
        ),
    },
    "pickup": {
        "en": _t(
            "Pickup in {city}.",
            "Located in {city}.",
            "Can meet around {city}.",
            "{city} area, can deliver nearby.",
        ),
        "es": _t(
            "Entrega en {city}.",
        ),
        "fr": _t(
            "Remise en main propre à {city}.",
        ),
        "it": _t(
            "Ritiro a {city}.",
        ),
        "de": _t(
            "Abholung in {city}.",
        ),
        "pt": _t(
            "Retirada em {city}.",
        ),
        "zh": _t(
            "{city}可自提。",
        ),
        "ru": _t(
            "Самовывоз: {city}.",
        ),
    },
    "price_line": {
        "en": _t(
            "{price} firm.",
            "Asking {price}.",
            "{price} or best offer.",
            "Only {price}!",
            "Price: {price}",
        ),
        "es": _t(
            "Precio: {price}.",
        ),
        "fr": _t(
            "Prix : {price}.",
        ),
        "it": _t(
            "Prezzo: {price}.",
        ),
        "de": _t(
            "Preis: {price}.",
        ),
        "pt": _t(
            "Preço: {price}.",
        ),
        "zh": _t(
            "价格：{price}。",
        ),
        "ru": _t(
            "Цена: {price}.",
        ),
    },
}

#: Goods nouns as sellers write them in each language (fallback: English).
GOODS: dict[str, dict[str, str]] = {
    "handbag": {
        "es": "bolso",
        "fr": "sac à main",
        "it": "borsa",
        "de": "Handtasche",
        "pt": "bolsa",
        "zh": "手提包",
        "ru": "сумка",
    },
    "bag": {
        "es": "bolso",
        "fr": "sac",
        "it": "borsa",
        "de": "Tasche",
        "pt": "bolsa",
        "zh": "包",
        "ru": "сумка",
    },
    "tote": {
        "es": "bolso tote",
        "fr": "cabas",
        "it": "borsa shopper",
        "de": "Shopper",
        "pt": "bolsa tote",
        "zh": "托特包",
        "ru": "сумка-тоут",
    },
    "wallet": {
        "es": "cartera",
        "fr": "portefeuille",
        "it": "portafoglio",
        "de": "Geldbörse",
        "pt": "carteira",
        "zh": "钱包",
        "ru": "кошелёк",
    },
    "belt": {
        "es": "cinturón",
        "fr": "ceinture",
        "it": "cintura",
        "de": "Gürtel",
        "pt": "cinto",
        "zh": "腰带",
        "ru": "ремень",
    },
    "sneakers": {
        "es": "zapatillas",
        "fr": "baskets",
        "it": "sneakers",
        "de": "Sneaker",
        "pt": "tênis",
        "zh": "运动鞋",
        "ru": "кроссовки",
    },
    "shoes": {
        "es": "zapatos",
        "fr": "chaussures",
        "it": "scarpe",
        "de": "Schuhe",
        "pt": "sapatos",
        "zh": "鞋",
        "ru": "туфли",
    },
    "watch": {
        "es": "reloj",
        "fr": "montre",
        "it": "orologio",
        "de": "Uhr",
        "pt": "relógio",
        "zh": "手表",
        "ru": "часы",
    },
    "sunglasses": {
        "es": "gafas de sol",
        "fr": "lunettes de soleil",
        "it": "occhiali da sole",
        "de": "Sonnenbrille",
        "pt": "óculos de sol",
        "zh": "太阳镜",
        "ru": "солнцезащитные очки",
    },
    "perfume": {
        "es": "perfume",
        "fr": "parfum",
        "it": "profumo",
        "de": "Parfüm",
        "pt": "perfume",
        "zh": "香水",
        "ru": "духи",
    },
    "t-shirt": {
        "es": "camiseta",
        "fr": "t-shirt",
        "it": "maglietta",
        "de": "T-Shirt",
        "pt": "camiseta",
        "zh": "T恤",
        "ru": "футболка",
    },
    "hoodie": {
        "es": "sudadera",
        "fr": "sweat à capuche",
        "it": "felpa",
        "de": "Hoodie",
        "pt": "moletom",
        "zh": "卫衣",
        "ru": "худи",
    },
    "jersey": {
        "es": "camiseta",
        "fr": "maillot",
        "it": "maglia",
        "de": "Trikot",
        "pt": "camisa",
        "zh": "球衣",
        "ru": "джерси",
    },
    "case": {
        "es": "funda",
        "fr": "coque",
        "it": "cover",
        "de": "Hülle",
        "pt": "capa",
        "zh": "保护壳",
        "ru": "чехол",
    },
    "cap": {
        "es": "gorra",
        "fr": "casquette",
        "it": "cappello",
        "de": "Kappe",
        "pt": "boné",
        "zh": "帽子",
        "ru": "кепка",
    },
    "necklace": {
        "es": "collar",
        "fr": "collier",
        "it": "collana",
        "de": "Halskette",
        "pt": "colar",
        "zh": "项链",
        "ru": "колье",
    },
    "bracelet": {
        "es": "pulsera",
        "fr": "bracelet",
        "it": "bracciale",
        "de": "Armband",
        "pt": "pulseira",
        "zh": "手链",
        "ru": "браслет",
    },
    "ring": {
        "es": "anillo",
        "fr": "bague",
        "it": "anello",
        "de": "Ring",
        "pt": "anel",
        "zh": "戒指",
        "ru": "кольцо",
    },
    "earrings": {
        "es": "pendientes",
        "fr": "boucles d'oreilles",
        "it": "orecchini",
        "de": "Ohrringe",
        "pt": "brincos",
        "zh": "耳环",
        "ru": "серьги",
    },
    "scarf": {
        "es": "pañuelo",
        "fr": "foulard",
        "it": "foulard",
        "de": "Tuch",
        "pt": "lenço",
        "zh": "丝巾",
        "ru": "платок",
    },
    "jacket": {
        "es": "chaqueta",
        "fr": "veste",
        "it": "giacca",
        "de": "Jacke",
        "pt": "jaqueta",
        "zh": "夹克",
        "ru": "куртка",
    },
    "mug": {
        "es": "taza",
        "fr": "mug",
        "it": "tazza",
        "de": "Tasse",
        "pt": "caneca",
        "zh": "马克杯",
        "ru": "кружка",
    },
    "toy": {
        "es": "juguete",
        "fr": "jouet",
        "it": "giocattolo",
        "de": "Spielzeug",
        "pt": "brinquedo",
        "zh": "玩具",
        "ru": "игрушка",
    },
    "poster": {
        "es": "póster",
        "fr": "affiche",
        "it": "poster",
        "de": "Poster",
        "pt": "pôster",
        "zh": "海报",
        "ru": "постер",
    },
    "sticker": {
        "es": "pegatina",
        "fr": "autocollant",
        "it": "adesivo",
        "de": "Aufkleber",
        "pt": "adesivo",
        "zh": "贴纸",
        "ru": "наклейка",
    },
    "mirror": {
        "es": "espejo",
        "fr": "miroir",
        "it": "specchio",
        "de": "Spiegel",
        "pt": "espelho",
        "zh": "镜子",
        "ru": "зеркало",
    },
    "bottle": {
        "es": "botella",
        "fr": "bouteille",
        "it": "borraccia",
        "de": "Flasche",
        "pt": "garrafa",
        "zh": "水杯",
        "ru": "бутылка",
    },
    "headphones": {
        "es": "auriculares",
        "fr": "casque",
        "it": "cuffie",
        "de": "Kopfhörer",
        "pt": "fones",
        "zh": "耳机",
        "ru": "наушники",
    },
}

"""Cue vocabulary of the text layer: the words that are red (or green) flags.

Each cue has a kind (see :data:`CUE_KINDS`). Phrases are written in plain text
and folded with the same normaliser as listings, so "Réplica", "REPLICA" and
"réplica" are one entry. Phrases in scripts written without spaces (Chinese,
Japanese) are matched as substrings; all others as whole words.

Options on a phrase:

``fixed``
    The phrase carries its own negation ("no logo", "not affiliated"), so the
    negation check is skipped.
``upper``
    Counts only when typed in capitals ("UA" is counterfeit jargon, "ua" may be
    anything).
``brand_after``
    Counts only when a brand mention follows within two words ("for iPhone",
    "style of Chanel", "like the Birkin").
``brand_near``
    Counts only next to a brand mention, before or after ("Chanel style",
    "style Chanel", "LV type").
``not_next`` / ``not_prev``
    Words that cancel the cue when they follow / precede it ("AAA batteries",
    "sales rep", "fake fur").
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTERFEIT = "counterfeit"
PARODY = "parody"
LOOKALIKE = "lookalike"
PROVENANCE = "provenance"
COMPATIBILITY = "compatibility"

#: Cue kinds, in the order hints list them.
CUE_KINDS: tuple[str, ...] = (COUNTERFEIT, PARODY, LOOKALIKE, PROVENANCE, COMPATIBILITY)


@dataclass(frozen=True)
class CueSpec:
    """One cue phrase and how it is matched."""

    phrase: str
    kind: str
    fixed: bool = False
    upper: bool = False
    brand_after: bool = False
    brand_near: bool = False
    not_next: frozenset[str] = frozenset()
    not_prev: frozenset[str] = frozenset()


def _specs(kind: str, phrases: str, **options: object) -> list[CueSpec]:
    out = []
    for raw in phrases.split("|"):
        phrase = " ".join(raw.split())
        if phrase:
            opts = dict(options)
            for key in ("not_next", "not_prev"):
                if key in opts:
                    opts[key] = frozenset(str(opts[key]).split())
            out.append(CueSpec(phrase, kind, **opts))  # type: ignore[arg-type]
    return out


_FAKE_OK_NEXT = (
    "fur leather plant plants flower flowers tan nails nail lashes eyelashes snow blood grass "
    "moustache mustache tattoo tattoos teeth money cake fruit food plastic suede wood ivy "
    "succulent succulents tree trees greenery candle candles eyelash beard"
)
_IMITATION_OK_NEXT = (
    "leather pearl pearls jewelry jewellery jewel gold silver suede fur crab vanilla flowers "
    "flower wood stone stones gemstone gemstones diamond diamonds rhinestone rhinestones crystal"
)

#: Counterfeit vocabulary (English first, then other languages).
_COUNTERFEIT = [
    *_specs(
        COUNTERFEIT,
        """replica | replicas | replika | replik | réplica | réplicas | replique | réplique |
        repliche | replicas | mirror quality | mirror grade | mirror copy | mirror replica |
        mirror image quality | super fake | superfake | super clone | superclone |
        top grade copy | high copy | top copy | grade copy | perfect copy | exact copy |
        best copy | 1:1 copy | aaa copy | luxury copy | copy bag | copy watch | copy watches |
        copy bags | copy shoes | copy sneakers | original quality | same as original |
        same as the original | same quality as original | factory leftover | factory leftovers |
        same factory | knockoff | knockoffs | knock off | knock offs | counterfeit | counterfeits |
        unauthorized authentic | unauthorised authentic | unauthorized | unauthorised |
        fake receipt | fake tags | not original | non original | not genuine | not authentic |
        not real | no guarantee of authenticity | inauthentic | bootleg | bootlegs |
        god batch | best batch | top batch | og batch | ua batch | rep batch | reps batch |
        mirror 1:1 | 1:1 quality | 1:1 version | ua quality | ua version | ua pairs |
        aaa quality | aaa grade | top quality replica | high quality replica |
        dupe with logo | with logo dupe | bootleg merch | unlicensed | unlicenced""",
    ),
    *_specs(COUNTERFEIT, "fake | fakes", not_next=_FAKE_OK_NEXT),
    *_specs(COUNTERFEIT, "imitation | imitations", not_next=_IMITATION_OK_NEXT),
    *_specs(
        COUNTERFEIT,
        "rep | reps",
        not_prev="sales customer service account support field max one per your",
        not_next="range ranges count counter max sets set scheme schemes",
    ),
    *_specs(COUNTERFEIT, "ua", upper=True),
    *_specs(
        COUNTERFEIT,
        "aaa | aaaa | aaaaa",
        not_next="battery batteries cell cells size rechargeable alkaline lithium nimh pack packs",
    ),
    # other languages
    *_specs(
        COUNTERFEIT,
        """copia | copias | cópia | cópias | imitación | imitacion | imitação | imitacao |
        falso | falsa | falsificado | falsificada | falsificación | falsificacion | pirata |
        contrefaçon | contrefacon | contrefaçons | copie | faux sac | imitazione | falsi |
        contraffatto | contraffatta | fälschung | falschung | fälschungen | nachbau | kopie |
        plagiat | podróbka | podrobka | podróbki | sahte | çakma | cakma | imitasyon |
        replikası | реплика | реплики | копия | копии | подделка | подделки | паль |
        люкс копия | качество оригинала | точная копия | 1:1 копия | namaak | nep""",
    ),
    # Chinese, Japanese, Korean (matched as substrings)
    *_specs(
        COUNTERFEIT,
        """高仿 | 复刻 | 復刻版 | a货 | 原单 | 精仿 | 1比1 | 一比一 | 超a | 莆田 | 仿品 | 仿牌 |
        コピー品 | スーパーコピー | 偽物 | n級 | レプリカ |
        레플리카 | 짝퉁 | 이미테이션 | 미러급""",
    ),
]

#: Parody markers.
_PARODY = [
    *_specs(
        PARODY,
        """parody | parodies | spoof | spoofs | satire | satirical | pun | puns |
        not affiliated | no affiliation | unaffiliated | not endorsed | not associated |
        not sponsored | not connected | no association | in no way affiliated |
        parodie | parodia | пародия | パロディ | 恶搞 | 패러디""",
    ),
]
for _spec in list(_PARODY):
    if _spec.phrase.startswith(("not ", "no ", "in no", "unaffiliated")):
        _PARODY[_PARODY.index(_spec)] = CueSpec(_spec.phrase, PARODY, fixed=True)

#: Lookalike markers that say a mark is absent: evidence for lookalike (or a plain item), but
#: no reference to any mark or design (``benchmarks/reference_probe.py`` reads them so).
_ABSENCE_OF_MARK = """no logo | no logos | without logo | without logos | without the logo |
        logo free | logo-free | logoless | unbranded | no brand | non branded | non-branded |
        not branded | no branding | generic | own brand | sans logo | sin logo | senza logo |
        ohne logo | sem logo | без логотипа | 无logo | 无标"""
ABSENCE_PHRASES: frozenset[str] = frozenset(
    spec.phrase for spec in _specs(LOOKALIKE, _ABSENCE_OF_MARK))

#: Lookalike markers.
_LOOKALIKE = [
    *_specs(
        LOOKALIKE,
        """inspired | inspired by | designer inspired | dupe | dupes | lookalike | look alike |
        look-alike | lookalikes | homage | homage watch | similar to | similar style |
        alternative to | style of | in the style of | same style | same vibe | vibe of |
        inspiré | inspirée | inspirado | inspirada | inspiriert | ispirato | ispirata |
        в стиле | аналог | 平替 | 同款""",
    ),
    *_specs(LOOKALIKE, _ABSENCE_OF_MARK, fixed=True),
    *_specs(LOOKALIKE, "style | styled | inspo | vibes | vibe | estilo | stile", brand_near=True),
    *_specs(
        LOOKALIKE,
        "like | looks like | look like | not | not a | not an | isn't | is not",
        brand_after=True,
        fixed=True,
    ),
]

#: Provenance markers.
_PROVENANCE = [
    *_specs(
        PROVENANCE,
        """receipt | receipts | original receipt | proof of purchase | serial number |
        serial numbers | serial no | serial # | date code | authenticated | authentication |
        authenticity card | certificate of authenticity | certificate | certificates | coa |
        entrupy | stockx | stock x | goat verified | legit check | legit checked |
        real authentication | the realreal | vestiaire | authenticity guarantee |
        verified authentic | verified | warranty card | box and papers | box & papers |
        full set | invoice | original packaging | original box | purchased from |
        purchased at | bought from | bought at | authorized dealer | authorised dealer |
        authorized retailer | authorised retailer | boutique receipt |
        recibo | factura | ticket de caisse | facture | certificat | numéro de série |
        numero de serie | scontrino | ricevuta | rechnung | quittung | kassenbon |
        echtheitszertifikat | seriennummer | nota fiscal | чек | сертификат | серийный номер |
        发票 | 小票 | 保证书 | 鉴定 | レシート | ギャランティカード | 国内正規品 | 정품 인증""",
    ),
]

#: Compatibility markers.
_COMPATIBILITY = [
    *_specs(
        COMPATIBILITY,
        """compatible with | compatible for | compatible | compatibility | replacement for |
        replacement | works with | for use with | designed for | made for | fits all |
        compatible con | compatible avec | kompatibel mit | kompatibel | compatibile con |
        compatível com | совместим | 适用于 | 対応""",
    ),
    *_specs(COMPATIBILITY, "for | fits | fit | para | pour | für | per", brand_after=True),
]

#: Every cue phrase of the lexicon.
CUE_SPECS: tuple[CueSpec, ...] = (
    *_COUNTERFEIT,
    *_PARODY,
    *_LOOKALIKE,
    *_PROVENANCE,
    *_COMPATIBILITY,
)

#: Counterfeit patterns that are not plain words, matched as regular expressions
#: on the folded text (with the word that must be in the text to try them).
CUE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    # 1:1, 1：1 (NFKC turns the full-width colon into ':'); not "1:1 scale" models
    (":", COUNTERFEIT, r"(?<![\w.:/])1\s?:\s?1(?![\w.:/])(?!\s*(?:scale|ratio|aspect|mix))"),
    ("1to1", COUNTERFEIT, r"(?<!\w)1to1(?!\w)"),
    (
        "batch",
        COUNTERFEIT,
        r"(?<!\w)(?:pk|ljr|lj|og|g5|h12|gx|dt|sk|lw|vt|gd|tg|ow|m|x|s2|kw)\s?(?:\d(?:\.\d)?)?\s?batch(?!\w)",
    ),
    ("same", COUNTERFEIT, r"(?<!\w)\d{2}\s?%\s?same(?!\w)"),
    (
        "factory",
        COUNTERFEIT,
        r"(?<!\w)(?:noob|vsf|vs|clean|zf|ar|bp|jf|apsf|ipf|3k|ew|gm|bv|kw|qf|ppf|tw|hbf)"
        r"\s?factory(?!\w)",
    ),
)

#: Articles and possessives allowed between a ``brand_after`` cue and the brand.
ARTICLES: frozenset[str] = frozenset("the a an your my our all any new el la le il".split())

#: Two- and three-letter forms too common to read as a brand's initials without
#: another mention of the brand ("PS", "CD", "NY", "ON").
COMMON_ABBREVIATIONS: frozenset[str] = frozenset(
    """ps pc tv cd dvd ms mr mrs dr st rd ny la uk us eu el si op ch pa mp dm rm hp ok id
    ad pm am cm mm kg lb oz ft in ml gb tb mb hd fm os vs ca co de ex on no so go it is
    me my we he be by do to up or of an as at if sm md lg xl xs nwt nib gg cc dw""".split()
)

#: Words that turn a following (or, for ``_POST_NEGATORS``, preceding) cue into
#: its negation: "not a replica", "no receipt", "receipt not included".
NEGATORS: frozenset[str] = frozenset(
    """not no never without isn isnt aren arent wasn wasnt doesn doesnt don dont didn didnt
    cannot cant non nor zero lacks lacking missing sans pas ni sin nunca senza ohne kein keine
    keinen keiner nicht sem não nao nem не нет без""".split()
)
POST_NEGATORS: frozenset[str] = frozenset(
    "not missing lost unavailable none no n/a nope excluded".split()
)
#: Negators written without spaces (matched as substrings just before a cue).
CJK_NEGATORS: tuple[str, ...] = ("不是", "非", "无", "没有", "無", "ではない", "없")

#: Words that confirm a brand reading of an ambiguous name or initials for any brand.
GENERIC_BRAND_CONTEXT: frozenset[str] = frozenset(
    """logo logos monogram brand branded designer authentic genuine original replica replicas
    rep reps fake dupe inspired official licensed authenticated counterfeit""".split()
)

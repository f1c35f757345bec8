"""The vocabulary of names: titles, name patterns, words that are never names, pet names, descriptions."""

from __future__ import annotations

import re

TITLES_MALE = {"mr", "m", "monsieur", "signor", "herr", "sir", "lord", "colonel", "captain", "col", "capt", "king", "prince", "uncle", "father",
               "brother", "master", "count", "duke", "baron", "general", "major", "lieutenant", "sergeant",
               "reverend", "rev", "professor", "prof", "dr", "doctor", "mister"}
TITLES_FEMALE = {"mrs", "miss", "ms", "lady", "madam", "madame", "queen", "princess", "aunt", "mother",
                 "sister", "mistress", "duchess", "countess", "baroness", "dame", "mademoiselle", "mlle", "mme"}
TITLES_NEUTRAL = {"dr", "doctor", "professor", "prof", "reverend", "rev", "general", "major", "captain"}
TITLES = TITLES_MALE | TITLES_FEMALE | {"cousin"}  # "Cousin Caroline": a title of either gender
# Titles that also go before a given name: "Monsieur John", "Miss Cynthia", "Sir Walter", "Aunt Emily".
# Forms of address rather than ranks: "Lady Catherine" names a character by rank, "Monsieur John" does not.
POLITE_TITLES = {"m", "monsieur", "mademoiselle", "madame", "mme", "mlle", "signor", "master", "miss", "herr"}
GIVEN_NAME_TITLES = {"m", "monsieur", "mademoiselle", "madame", "miss", "master", "sir", "lady", "lord", "aunt",
                     "uncle", "cousin", "dame", "signor", "mlle", "mme"}
HONORIFICS = r"(?:-(?:chan|san|kun|sama|senpai|sensei|dono|tan|chin|nee|nii|neesan|niisan|han))"
# A capitalised word, hyphenated on as names are ("Rose-red", "Winnie-the-Pooh", "Jean-Paul"), but
# not into an honorific ("Kazumi-chan"): not I'm, H'm.
NAME_WORD = (r"[A-Z][a-z](?:[a-z'\u2019]*[a-z])?(?:-[a-z]+(?=-[A-Z]))?"
             rf"(?:-[A-Z][a-z]+|-(?!{HONORIFICS[4:-1]}\b)[a-z]{{3,}}(?![\w-]))?")
TITLE_RE = r"(?:" + "|".join(sorted((t.capitalize() for t in TITLES), key=len, reverse=True)) + r")\.?"
NAME_RE = re.compile(
    rf"(?<![\w-])(?:(?P<title>{TITLE_RE})\s+)?(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}}){HONORIFICS}?(?![\w])"
)
STOP = set("""
a about above across after afterwards again against ah ahh all almost alone along already also although always am
among an and another any anybody anyhow anyone anything anyway anyways anywhere are around as at aye back be became
because become been before beforehand behind being below beside besides between beyond both bravo but by bye can
cannot certainly chapter come could dear did do does doing done down during each eh either else elsewhere enough
especially even ever every everybody everyone everything everywhere except excuse fine first for from further
good goodbye goodness great ha had has have having he hello her here hers herself hey hi him himself his hm hmm
how however hush i if in indeed instead into is it its itself just last later let like look maybe me meanwhile
might mine more moreover most mostly much must my myself never nevertheless next no nobody none nor not nothing now
nowhere o of off oh ok okay on once one only onto or other others otherwise our ours ourselves out over own part
perhaps please poor pray quite rather really right said same see seriously shall she should since so some somebody
someday somehow someone something sometimes somewhere soon still such sure thank thanks than that the their theirs
them themselves then there thereafter therefore these they this those though through thus to today together
tomorrow tonight too toward towards true truly under unless until up upon us very was we well were what whatever
when whenever where wherever whether which while who whoever whole whom whose why will with within without wow would
yeah yes yet you your yours yourself yourselves monday tuesday wednesday thursday friday saturday sunday january
february march april may june july august september october november december god heaven lord christmas easter
english french german italian spanish american british ma'am madam sir papa mama mamma mother father
alas alack hark lo hurrah huzza huzzah fie pshaw tut ahoy hallo halloa hullo heigh ho oho aha bah begone avaunt
farewell adieu amen nay yea um umm hum hem ahem er erm
""".split())
# Pet names -> given names, merged only when the given name is a character of its own (issue #3);
# the first of several that is one.
NICKNAMES: dict[str, str | tuple[str, ...]] = {
    "lizzy": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth", "liz": "elizabeth", "betsy": "elizabeth",
    "bess": "elizabeth", "beth": "elizabeth", "kitty": "catherine", "kate": "catherine", "katie": "catherine",
    "tom": "thomas", "tommy": "thomas", "bill": "william", "billy": "william", "will": "william",
    "bob": "robert", "bobby": "robert", "rob": "robert", "dick": "richard", "jack": "john", "johnny": "john",
    "harry": "henry", "ned": "edward", "ted": "edward", "meg": "margaret", "peggy": "margaret",
    "maggie": "margaret", "polly": "mary", "molly": "mary", "fanny": "frances",
    "nelly": ("ellen", "eleanor", "helen"), "nell": ("ellen", "helen", "eleanor"),
    "sally": "sarah", "jim": "james", "jimmy": "james", "jem": "james", "charlie": "charles", "fred": "frederick",
    "freddy": "frederick", "sam": "samuel", "ben": "benjamin", "joe": "joseph", "nick": "nicholas",
    "sue": "susan", "susie": "susan", "annie": "anne", "nancy": "anne", "tony": "anthony", "dolly": "dorothy",
    "becky": "rebecca", "patty": "martha", "jenny": "jane", "kit": "christopher",
    "sissy": "cecilia", "cissy": "cecilia", "lou": ("louisa", "louise"), "lottie": "charlotte", "lotty": "charlotte",
    "hattie": "harriet", "hetty": ("henrietta", "hester"), "tilly": "matilda", "abby": "abigail", "andy": "andrew",
    "danny": "daniel", "davy": "david", "eddie": "edward", "hal": "henry", "josie": "josephine", "matt": "matthew",
    "mike": "michael", "phil": "philip", "steve": "stephen", "walt": "walter", "wat": "walter", "nat": "nathaniel",
}
# Titles followed by a surname, not a given name: "Colonel Fitzwilliam" makes Fitzwilliam a surname.
SURNAME_TITLES = {"mr", "mrs", "ms", "colonel", "col", "captain", "capt", "dr", "doctor", "major", "general",
                  "lieutenant", "sergeant", "professor", "prof", "reverend", "rev", "mister"}
# Titles that name a rank, always before a surname: "Colonel Fitzwilliam" (unlike "Mr. Edgar").
RANKS = {"colonel", "col", "captain", "capt", "dr", "doctor", "major", "general", "lieutenant", "sergeant",
         "professor", "prof", "reverend", "rev"}
PLACE_PREPS = {"in", "at", "to", "from", "into", "near", "towards", "toward", "through", "across", "of"}
SUBJECT_PRONOUNS = {"he": "m", "she": "f", "i": "i", "his": "m", "her": "f", "my": "i"}
PERSON_NOUNS = (
    "girl|boy|man|woman|lady|gentleman|child|kid|stranger|youth|maid|maiden|fellow|old man|old woman|"
    "mother|father|wife|husband|sister|brother|daughter|son|aunt|uncle|goddess|god|witch|knight|captain|"
    "doctor|teacher|servant|queen|king|prince|princess|friend|visitor|newcomer|other|young man|young lady"
)
DESCRIPTOR = re.compile(
    rf"^(?P<det>the|his|her|their|my|our)\s+(?:[a-z'\u2019-]+\s+){{0,3}}?(?P<noun>{PERSON_NOUNS})\b(?![-'\u2019])",
    re.IGNORECASE
)
NOUN_GENDER = {
    **dict.fromkeys("girl woman lady maid maiden mother wife sister daughter aunt goddess witch queen princess "
                    "duchess countess baroness mistress madam madame nurse widow niece landlady hostess "
                    "waitress actress governess housekeeper grandmother granddaughter stepmother stepdaughter "
                    "bride lass nun hen fairy".split(), "f"),
    **dict.fromkeys("boy man gentleman fellow father husband brother son uncle god knight king prince duke "
                    "count baron lord master sir nephew landlord host waiter grandfather".split(), "m"),
    "old woman": "f", "young lady": "f", "old lady": "f", "old man": "m", "young man": "m",
}
# "his wife" is Mrs. <his surname>, "her father" Mr. <her surname> (issue #3).
RELATION_TITLE = {"wife": "mrs", "lady": "mrs", "mother": "mrs", "husband": "mr", "father": "mr"}
KIN = {"wife", "husband", "mother", "father", "sister", "brother", "daughter", "son", "aunt", "uncle", "lady"}
FIRST_PERSON = "I"  # the speaker name of a first-person narrator's own lines ("I said")
TITLE_DOT = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Col|Capt|Messrs|Mme|Mlle|Rev|Prof|Gen|Lt|Sgt|M)\.(?= [A-Z])")


def flat(text: str) -> str:
    """Unwrapped text without the periods of titles, so `Mr.\nDarcy` reads as one name in a tag."""
    return TITLE_DOT.sub(r"\1", " ".join(text.split()))

def norm(form: str) -> str:
    form = re.sub(r"['\u2019]s$", "", re.sub(HONORIFICS + "$", "", form.strip()))
    form = re.sub(r"\s+", " ", form).replace("\u2019", "'")
    form = re.sub(r"^((?:" + TITLE_RE + r"))(?=\s)", lambda m: m.group(1).rstrip("."), form)
    return form.lower()


def sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"(?:[.!?\u2026]+[\"'\u201d\u2019)]*|\n\s*\n|[\"\u201c\u201d]|(?<!\w)\u2018|\u2014)\s*", text):
        starts.add(m.end())
    for m in re.finditer(r"\n", text):
        starts.add(m.end())
    return starts

LEADING_ADVERBS = re.compile(
    r"^(?:(?:now|then|still|finally|suddenly|instead|again|slowly|quickly|once again|at last|meanwhile|"
    r"soon|and|but|so|yet|here|there)\b[, ]*)+",
    re.IGNORECASE,
)
VERB_AFTER = re.compile(
    r"^\s*(?:\w+ly\s+)?(?:was|had|did|could|would|might|must|should|will|can|is|has|does|shook|took|made|"
    r"saw|knew|felt|thought|looked|smiled|said|went|came|gave|sat|stood|ran|told|began|seemed|met|got|put|"
    r"let|left|kept|held|took|brought|bought|caught|fought|found|heard|hid|hit|hung|led|lay|lost|meant|paid|"
    r"read|rode|rose|sang|sent|shut|slept|spoke|spent|stole|struck|swam|swore|threw|understood|woke|wore|"
    r"won|wrote|drew|drank|ate|fell|flew|forgot|froze|grew|knelt|[a-z]+ed|"
    r"[a-z]{2,}s)\b"
)


# Common English given names, for a gender when the text itself shows none (titles and pronouns
# come first): "Frances" and "Edna" are women even when no "she" follows their name.
FEMALE_NAMES = set("""
abigail ada adela adelaide adele agatha agnes alice alicia amelia amy angela ann anna anne annie arabella
barbara beatrice becky bella bertha betsy betty blanche brett bridget caroline catherine cecilia cecily
charlotte clara clarissa constance cora cynthia daisy dolly dora doris dorothy edith edna eleanor elinor
eliza elizabeth ella ellen elsie emily emma esther ethel eugenia eva eve evelyn evie fanny florence frances
georgiana georgina gertrude grace gwendolen hannah harriet hattie helen henrietta hester hilda ida irene
isabel isabella jane janet jean jemima jennie jenny jessie joan josephine judith julia juliet kate katharine
katherine kathleen kitty laura lavinia letitia lilian lillian lily lizzie lizzy lois louisa louise lucy
lydia mabel madeline maggie margaret maria marian marianne marie martha mary matilda maud maude meg mildred
millie minnie miriam molly nancy nell nellie nora olive olivia pamela patience paulina pauline peggy
penelope phoebe polly priscilla prudence rachel rebecca rosa rosalind rose rosamond ruth sally sarah
sophia sophie susan susanna sybil sylvia theresa ursula victoria violet virginia winifred
adelina agnes alexandra alma amanda anastasia angelica annette antoinette babette beatrix belinda belle
bernadette camilla carlotta carmen carrie cassandra celia chloe christina christine clementine cordelia
dinah dorcas dorothea drusilla edwina effie elaine elise eloise elsa elspeth emilia emmeline ernestine
estella estelle eugenie euphemia evangeline felicity fiona flora francesca frieda geraldine gladys greta
gretel gretchen griselda hedwig heidi helena hermione honora hortense imogen ingrid isolde jacqueline
jeanne jessica joanna johanna judy juliana justine katie leah lena lenore leonora lina liza lorna lucia
lucille lucinda lucretia madeleine magdalen marcella margery margot marguerite marjorie mathilde mina
minerva miranda nan nanette natalie nettie nina norah octavia ophelia philippa phyllis portia rapunzel
rebekah regina rhoda rosalie rowena sabina sadie salome sarah selina serena silvia sonia stella susannah
tabitha teresa tess thea theodora tilly valerie vera veronica vivian wilhelmina winnie zelda
""".split())
MALE_NAMES = set("""
adam albert alexander alfred algernon andrew anthony archibald arthur augustus benjamin bernard bertie bill
bob cecil charles charley charlie christopher claude clement daniel david dick donald douglas edgar edmund
edward edwin ernest eugene felix francis frank fred frederick geoffrey george gerald gilbert godfrey
gregory guy harold harry henry herbert horace hubert hugh humphrey jack jacob jake james jasper jem jim
jimmy joe john jonathan joseph julian laurence lawrence leonard lewis louis luke mark martin matthew
michael mike nathaniel ned nicholas noel oliver oscar patrick paul percy peter philip ralph raymond
richard robert roger rupert samuel sidney simon stephen theodore thomas tim timothy tom tommy victor
walter wilfred will william
abraham alan alec alfonso alphonse ambrose angus anton antonio archie arnold augustine bartholomew basil
benedict bertram caleb carl carlos cedric christian clarence clifford colin conrad cornelius cyril dennis
dominic duncan ebenezer edmond eli elijah emil enoch ephraim ernst ezra ferdinand fergus franz fritz
gabriel gaston gerard giles gordon gustav hamish hans harold hector heinrich hendrik herman hiram hugo
ignatius isaac ivan jacques jasper jeremiah jerome jesse johann jonas jose joshua josiah jules julius
karl lambert lancelot leo leon leopold lionel lorenzo lucas ludwig malcolm marcus marius matthias maurice
maximilian moses nathan neville nigel norman obadiah olaf otto owen pedro percival pierre quentin randolph
raoul reginald reuben robin roland rolf romeo rudolf rufus saul sebastian seth silas solomon stanley
sylvester terence thaddeus tobias toby tristram ulysses uriah vincent wallace wilhelm zachary
""".split())
# The last word of a place's name: "Styles Court", "Scotland Yard", "Baker Street", "Wuthering Heights".
PLACE_WORDS = set("""
court yard street hall park house road square abbey castle lane place manor church chapel bridge river
hill station hotel inn college gardens garden terrace row island bay lake wood woods forest avenue
cottage farm lodge grange priory rectory vicarage town city county shire valley mountain mount heights
crags moor moors fell tor marsh glen dale vale cove harbour palace tower cathedral
""".split())
# Places and peoples a reader knows: never a character, however they are written ("England is ...").
PLACE_NAMES = set("""
england scotland ireland wales britain france germany italy spain portugal holland russia austria prussia
switzerland greece turkey egypt india china japan america canada mexico africa asia europe australia
persia arabia poland sweden norway denmark belgium hungary bohemia
london paris rome vienna berlin venice florence naples geneva madrid lisbon dublin edinburgh oxford
cambridge bath york brighton liverpool manchester bristol boston chicago washington moscow constantinople
alps jura pyrenees thames rhine rhone nile mediterranean atlantic pacific
swiss turk turks arab arabs arabian dutch scotch scots irish welsh russian russians greek greeks
americans englishman englishmen frenchman frenchmen spaniard german germans italian italians
""".split())

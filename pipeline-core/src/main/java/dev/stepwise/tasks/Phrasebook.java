package dev.stepwise.tasks;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The sentences of the synthetic word problems in one language. Names and items are parallel lists
 * (index i means the same person or thing in every language), so a problem reads the same
 * everywhere. Placeholders: {name}, {owner} (the name as possessor where grammar needs it), {n},
 * {items} (n items, counted), {what} (the item noun as a question asks for it), {parts} (n equal
 * parts, counted). Sentences avoid gendered words and agreement that the placeholders cannot carry.
 */
record Phrasebook(
    List<Name> names,
    List<Counted> items,
    Counted parts,
    Plural plural,
    String start,
    String add,
    String subtract,
    String multiply,
    String divide,
    String question,
    String separator) {

  record Name(String name, String owner) {}

  /**
   * A counted noun phrase: forms for one, few (Slavic 2-4) and many, each with {n}; bare is the
   * uncounted form.
   */
  record Counted(String one, String few, String many, String bare) {
    String count(int n, Plural plural) {
      return (switch (plural.of(n)) {
            case ONE -> one;
            case FEW -> few;
            case MANY -> many;
          })
          .replace("{n}", Integer.toString(n));
    }
  }

  enum Form {
    ONE,
    FEW,
    MANY
  }

  enum Plural {
    /** No grammatical number on counted nouns (zh, ja, th, bn). */
    NONE,
    /** One vs other (en, de, fr, es, sw). */
    ONE_OTHER,
    /** Russian: 1, 21 -> one; 2-4, 22-24 -> few; else many. */
    SLAVIC;

    Form of(int n) {
      return switch (this) {
        case NONE -> Form.MANY;
        case ONE_OTHER -> n == 1 ? Form.ONE : Form.MANY;
        case SLAVIC ->
            n % 10 == 1 && n % 100 != 11
                ? Form.ONE
                : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14)
                    ? Form.FEW
                    : Form.MANY;
      };
    }
  }

  static Phrasebook of(Language language) {
    return BOOKS.get(language);
  }

  private static Counted item(String one, String many, String bare) {
    return new Counted(one, many, many, bare);
  }

  private static List<Name> names(String... names) {
    return Arrays.stream(names).map(n -> new Name(n, n)).toList();
  }

  private static final Map<Language, Phrasebook> BOOKS = new EnumMap<>(Language.class);

  static {
    BOOKS.put(
        Language.EN,
        new Phrasebook(
            names("Anna", "Tom", "Mia", "Sam"),
            List.of(
                item("{n} pencil", "{n} pencils", "pencils"),
                    item("{n} book", "{n} books", "books"),
                item("{n} candy", "{n} candies", "candies"),
                    item("{n} balloon", "{n} balloons", "balloons")),
            item("{n} group", "{n} groups", "groups"),
            Plural.ONE_OTHER,
            "{name} has {items}.",
            "{name} buys {items} more.",
            "{name} gives away {items}.",
            "Then the number of {what} is multiplied by {n}.",
            "Then {name} splits the {what} into {parts} of equal size and keeps one group.",
            "How many {what} does {name} have now?",
            " "));
    BOOKS.put(
        Language.DE,
        new Phrasebook(
            names("Anna", "Lukas", "Marie", "Paul"),
            List.of(
                item("{n} Bleistift", "{n} Bleistifte", "Bleistifte"),
                    item("{n} Buch", "{n} Bücher", "Bücher"),
                item("{n} Bonbon", "{n} Bonbons", "Bonbons"),
                    item("{n} Ballon", "{n} Ballons", "Ballons")),
            item("{n} gleiche Gruppe", "{n} gleiche Gruppen", "Gruppen"),
            Plural.ONE_OTHER,
            "{name} hat {items}.",
            "{name} kauft noch {items}.",
            "{name} verschenkt {items}.",
            "Dann wird die Anzahl der {what} mit {n} multipliziert.",
            "Dann teilt {name} die {what} in {parts} und behält eine Gruppe.",
            "Wie viele {what} hat {name} jetzt?",
            " "));
    BOOKS.put(
        Language.FR,
        new Phrasebook(
            names("Léa", "Hugo", "Chloé", "Louis"),
            List.of(
                item("{n} crayon", "{n} crayons", "crayons"),
                    item("{n} livre", "{n} livres", "livres"),
                item("{n} bonbon", "{n} bonbons", "bonbons"),
                    item("{n} ballon", "{n} ballons", "ballons")),
            item("{n} groupe égal", "{n} groupes égaux", "groupes"),
            Plural.ONE_OTHER,
            "{name} a {items}.",
            "{name} achète encore {items}.",
            "{name} donne {items}.",
            "Ensuite, le nombre de {what} est multiplié par {n}.",
            "Ensuite, {name} partage les {what} en {parts} et en garde un groupe.",
            "Combien de {what} a {name} maintenant ?",
            " "));
    BOOKS.put(
        Language.ES,
        new Phrasebook(
            names("Sofía", "Mateo", "Lucía", "Diego"),
            List.of(
                item("{n} lápiz", "{n} lápices", "lápices"),
                    item("{n} libro", "{n} libros", "libros"),
                item("{n} caramelo", "{n} caramelos", "caramelos"),
                    item("{n} globo", "{n} globos", "globos")),
            item("{n} grupo igual", "{n} grupos iguales", "grupos"),
            Plural.ONE_OTHER,
            "{name} tiene {items}.",
            "{name} compra {items} más.",
            "{name} regala {items}.",
            "Luego, el número de {what} se multiplica por {n}.",
            "Luego, {name} reparte sus {what} en {parts} y se queda con un grupo.",
            "¿Cuántos {what} tiene {name} ahora?",
            " "));
    BOOKS.put(
        Language.RU,
        new Phrasebook(
            List.of(
                new Name("Анна", "Анны"),
                new Name("Иван", "Ивана"),
                new Name("Мария", "Марии"),
                new Name("Олег", "Олега")),
            List.of(
                new Counted("{n} карандаш", "{n} карандаша", "{n} карандашей", "карандашей"),
                new Counted("{n} книга", "{n} книги", "{n} книг", "книг"),
                new Counted("{n} конфета", "{n} конфеты", "{n} конфет", "конфет"),
                new Counted("{n} шарик", "{n} шарика", "{n} шариков", "шариков")),
            new Counted("{n} часть", "{n} части", "{n} частей", "частей"),
            Plural.SLAVIC,
            "У {owner} {items}.",
            "{name} покупает ещё {n}.",
            "{name} отдаёт {n}.",
            "Затем количество {what} умножается на {n}.",
            "Затем {name} делит их поровну на {parts} и оставляет себе одну часть.",
            "Сколько {what} теперь у {owner}?",
            " "));
    BOOKS.put(
        Language.ZH,
        new Phrasebook(
            names("安娜", "小明", "丽丽", "大伟"),
            List.of(
                item("{n}支铅笔", "{n}支铅笔", "铅笔"), item("{n}本书", "{n}本书", "书"),
                item("{n}颗糖", "{n}颗糖", "糖"), item("{n}个气球", "{n}个气球", "气球")),
            item("{n}份", "{n}份", "份"),
            Plural.NONE,
            "{name}有{items}。",
            "{name}又买了{items}。",
            "{name}送出了{items}。",
            "然后{what}的数量变成原来的{n}倍。",
            "然后{name}把{what}平均分成{parts}，自己留下一份。",
            "{name}现在有多少{what}？",
            ""));
    BOOKS.put(
        Language.JA,
        new Phrasebook(
            names("アンナ", "ケン", "ユイ", "ソウタ"),
            List.of(
                item("{n}本の鉛筆", "{n}本の鉛筆", "鉛筆"), item("{n}冊の本", "{n}冊の本", "本"),
                item("{n}個のあめ", "{n}個のあめ", "あめ"), item("{n}個の風船", "{n}個の風船", "風船")),
            item("{n}等分", "{n}等分", "等分"),
            Plural.NONE,
            "{name}は{items}を持っています。",
            "{name}はさらに{items}を買います。",
            "{name}は{items}をあげます。",
            "次に、{what}の数が{n}倍になります。",
            "次に、{name}は{what}を{parts}して、その1つ分を残します。",
            "{name}は今{what}をいくつ持っていますか？",
            ""));
    BOOKS.put(
        Language.TH,
        new Phrasebook(
            names("แอนนา", "สมชาย", "มะลิ", "ต้น"),
            List.of(
                item("ดินสอ {n} แท่ง", "ดินสอ {n} แท่ง", "ดินสอ"),
                    item("หนังสือ {n} เล่ม", "หนังสือ {n} เล่ม", "หนังสือ"),
                item("ลูกอม {n} เม็ด", "ลูกอม {n} เม็ด", "ลูกอม"),
                    item("ลูกโป่ง {n} ลูก", "ลูกโป่ง {n} ลูก", "ลูกโป่ง")),
            item("{n} ส่วน", "{n} ส่วน", "ส่วน"),
            Plural.NONE,
            "{name}มี{items}",
            "{name}ซื้อ{items}เพิ่ม",
            "{name}ให้{items}แก่เพื่อน",
            "จากนั้นจำนวน{what}เพิ่มเป็น {n} เท่า",
            "จากนั้น{name}แบ่ง{what}ออกเป็น {parts}เท่า ๆ กันและเก็บไว้หนึ่งส่วน",
            "ตอนนี้{name}มี{what}จำนวนเท่าไร",
            " "));
    BOOKS.put(
        Language.SW,
        new Phrasebook(
            names("Amina", "Juma", "Neema", "Baraka"),
            List.of(
                item("penseli {n}", "penseli {n}", "penseli"),
                    item("kitabu {n}", "vitabu {n}", "vitabu"),
                item("pipi {n}", "pipi {n}", "pipi"), item("puto {n}", "maputo {n}", "maputo")),
            item("kundi {n}", "makundi {n}", "makundi"),
            Plural.ONE_OTHER,
            "{name} ana {items}.",
            "{name} ananunua {items} zaidi.",
            "{name} anampa rafiki yake {items}.",
            "Kisha idadi ya {what} inazidishwa mara {n}.",
            "Kisha {name} anagawa {what} katika {parts} sawa na kubaki na kundi moja.",
            "Sasa {name} ana idadi gani ya {what}?",
            " "));
    BOOKS.put(
        Language.BN,
        new Phrasebook(
            names("আনা", "রাহুল", "মিতা", "সুমন"),
            List.of(
                item("{n}টি পেন্সিল", "{n}টি পেন্সিল", "পেন্সিল"),
                    item("{n}টি বই", "{n}টি বই", "বই"),
                item("{n}টি ক্যান্ডি", "{n}টি ক্যান্ডি", "ক্যান্ডি"),
                    item("{n}টি বেলুন", "{n}টি বেলুন", "বেলুন")),
            item("{n}টি সমান ভাগে", "{n}টি সমান ভাগে", "ভাগ"),
            Plural.NONE,
            "{name}-এর কাছে {items} আছে।",
            "{name} আরও {items} কেনে।",
            "{name} বন্ধুকে {items} দেয়।",
            "তারপর {what}-এর সংখ্যা {n} গুণ হয়।",
            "তারপর {name} {what}গুলো {parts} ভাগ করে এবং একটি ভাগ রাখে।",
            "এখন {name}-এর কাছে কয়টি {what} আছে?",
            " "));
  }
}

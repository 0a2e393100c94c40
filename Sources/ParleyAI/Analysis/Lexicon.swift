import ParleyKnowledge

/// The word lists of the local analysis (English and Russian), stemmed once. Written from
/// general knowledge of support conversations before the labelled set was measured
/// (`docs/api/analysis.md` says what was tuned on its development half).
struct Lexicon {
    let positive: CueSet
    let negative: CueSet
    /// Verbs of things working or arriving: negated, they are complaints ("doesn't load").
    let functioning: CueSet
    let negators: Set<String>
    let intents: [(Intent, CueSet)]
    let objections: [(Objection, CueSet)]
    /// Words of a customer ready to act ("buy", "sign up", "хочу заказать").
    let buying: CueSet

    init() {
        let analyzer = TermAnalyzer()
        func set(_ phrases: [String]) -> CueSet { CueSet(phrases, analyzer: analyzer) }
        positive = set([
            "thank", "thanks", "great", "awesome", "excellent", "perfect", "perfectly", "love", "nice", "happy", "glad", "appreciate",
            "appreciated", "wonderful", "amazing", "fantastic", "helpful", "ready", "best", "good", "quick answer", "early",
            "спасибо", "благодарю", "благодарен", "отлично", "отличный", "отличная", "супер", "классно", "прекрасный", "идеально",
            "рад", "хороший", "хорошего", "нравится", "люблю", "здорово", "замечательно", "готовы", "быстрый ответ", "раньше срока",
        ])
        negative = set([
            "bad", "worst", "terrible", "awful", "horrible", "disappointed", "angry", "rude", "broken", "broke", "crash", "crashes",
            "error", "fail", "failed", "useless", "unacceptable", "dirty", "noisy", "damaged", "missing", "problem", "stuck",
            "wrong", "spam", "complaint", "slow", "annoyed", "frustrated", "too expensive|1", "still no", "charged twice", "cold",
            "incomplete", "black screen", "locked",
            "плохо", "ужасно", "ужасный", "ужасное", "ужас", "худший", "разочарован", "возмущен", "нагрубил", "грубо", "сломанный",
            "сломалась", "вылетает", "ошибка", "ошибку", "бесполезным", "безобразие", "грязный", "шумный", "холодной", "помята",
            "спам", "жалобу", "проблема", "зависла", "слишком дорого", "дважды", "до сих пор", "неполный", "не хватает",
            "заблокирован", "черный экран", "перестаньте",
        ])
        functioning = set([
            "work", "working", "load", "arrive", "arrives", "come", "comes", "came", "open", "play", "respond", "answer", "answered",
            "работает", "работать", "открывается", "приходит", "приходят", "приехал", "отвечает", "воспроизводится", "загружается",
            "делает",
        ])
        negators = Set(["not", "no", "never", "don't", "doesn't", "didn't", "won't", "can't", "isn't", "nobody", "не", "нет", "никто", "ничего"])
        buying = set([
            "buy", "purchase", "order", "sign up", "ready", "want to", "would like", "i'd like", "upgrade", "subscribe", "interested",
            "купить", "заказать", "готовы", "хочу", "хотим", "хотела бы", "подключить", "записаться", "интересует", "перейти",
        ])
        intents = [
            (.complaint, set([
                "worst", "rude", "disappointed", "unacceptable", "terrible|1.5", "awful", "complaint|2", "angry", "horrible", "dirty",
                "never buy", "spam", "quality", "nothing like", "damaged", "cold",
                "худший", "нагрубил|2", "разочарован", "безобразие|2", "ужасный", "ужасное", "ужас", "жалобу|2", "возмущен", "грязный",
                "никогда", "спам", "качество", "не похож", "помята", "холодной",
            ])),
            (.cancellation, set([
                "cancel|2", "cancelled", "unsubscribe|2", "delete my account|2", "close my account|2", "stop billing", "stop charging",
                "end my membership|2", "pause|1.5", "renewal", "switching",
                "отменить|2", "отмените|2", "отменил", "отпишите|2", "удалить аккаунт|2", "закройте|2", "приостановить|1.5",
                "отключите продление|2", "продление", "завершить", "перестаньте списывать", "переходим",
            ])),
            (.refundRequest, set([
                "refund|2", "return|1.5", "money back|2", "charged twice|2", "exchange", "returned|1.5",
                "вернуть|1.5", "возврат|2", "возврата|2", "верните|2", "вернул|1.5", "списали", "обменять",
            ])),
            (.technicalIssue, set([
                "crash", "crashes|2", "error|2", "bug", "doesn't load", "stuck", "sync", "notifications", "button", "integration|1.5",
                "connect", "app", "website", "broke", "upload", "settings", "won't play", "safari",
                "вылетает|2", "ошибку|2", "ошибка|2", "не открывается", "зависла", "синхронизация", "уведомления", "кнопка", "кнопки",
                "интеграция|1.5", "подключить виджет", "приложение", "сайт", "сломалась", "загрузке", "настройки", "не воспроизводится",
                "экспорта", "виджет",
            ])),
            (.orderStatus, set([
                "where is my order|3", "tracking|2", "track", "shipped|1.5", "parcel", "package", "delivery", "courier", "arrive",
                "status|1.5", "my order", "order arrived", "delivery address",
                "где мой заказ|3", "трек|2", "посылку|1.5", "посылка", "отправили|1.5", "доставка", "курьер", "приехать", "приедет",
                "статус|1.5", "статусе", "заказ пришел", "адрес доставки", "отправке",
            ])),
            (.accountHelp, set([
                "password|2", "log in|2", "login", "account|1.5", "email", "username|2", "two-factor|2", "verification code|2",
                "invoices", "profile", "new user", "workspace", "billing address",
                "пароль|2", "войти|2", "аккаунт|1.5", "аккаунте", "аккаунта", "почту", "логин|2", "двухфакторную|2", "код подтверждения|2",
                "счета", "профиле", "нового пользователя", "рабочее пространство", "платежный адрес",
            ])),
            (.pricingQuestion, set([
                "how much|2", "price|1.5", "prices", "cost|1.5", "costs", "discount|2", "discounts|2", "free trial|2", "installments|2",
                "vat|2", "fee", "expensive", "pay in",
                "сколько стоит|2", "сколько будет стоить|2", "цена|1.5", "цену", "цен", "стоимость|1.5", "скидка|2", "скидки|2", "скидку",
                "пробный|2", "рассрочку|2", "ндс|2", "дорого", "оплатить в",
            ])),
            (.purchaseInquiry, set([
                "buy|2", "purchase|2", "order the", "sign up|2", "upgrade|1.5", "upgrading|1.5", "interested|2", "licenses", "subscription",
                "want to buy|2", "i'd like to sign",
                "купить|2", "заказать|2", "подключить|1.5", "записаться|2", "перейти", "интересует|2", "лицензий", "хочу купить|2",
            ])),
            (.gratitude, set([
                "thank|2", "thanks|2", "appreciated|2", "appreciate|2", "awesome",
                "спасибо|2", "благодарю|2", "благодарен|2", "супер",
            ])),
            (.greeting, set([
                "hello", "hi", "hey", "good morning", "good evening", "anyone online",
                "здравствуйте", "привет", "добрый день", "доброе утро", "добрый вечер", "алло", "приветствую",
            ])),
        ]
        objections = [
            (.competitor, set([
                "competitor|2", "elsewhere|2", "another provider|2", "switching to|2", "cheaper elsewhere|2",
                "конкурентов|2", "конкурент|2", "в другом магазине|2", "другому сервису|2", "переходим к",
            ])),
            (.price, set([
                "expensive|2", "too much", "price seems", "prices are", "price is high", "high price", "seems a bit high|2",
                "дорого|2", "дорогой", "цена кажется|2", "высокой", "дешевле",
            ])),
            (.timing, set([
                "next quarter|2", "next month", "later", "not now|2", "maybe later|2", "pause|2", "couple of months",
                "позже|2", "потом", "в следующем", "приостановить|2", "пару месяцев",
            ])),
            (.need, set([
                "don't need|2", "not sure we really need|2", "not sure we need|2", "no longer need|2", "need the service anymore|2",
                "не нужен|2", "не нужны|2", "не нужно|2", "нам нужны все", "больше не нужен|2",
            ])),
            (.trust, set([
                "scam|2", "reviews", "guarantee", "is it safe", "trust",
                "мошенник|2", "отзывы", "гарантия", "не доверяю|2",
            ])),
            (.complexity, set([
                "complicated|2", "too hard", "confusing", "difficult",
                "сложно|2", "слишком сложный", "непонятно",
            ])),
        ]
    }
}

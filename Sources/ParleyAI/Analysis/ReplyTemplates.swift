/// The reply an agent can start from when the knowledge base has no passage for the message:
/// one per intent (and per objection, which comes first), in the customer's language.
enum ReplyTemplates {
    static func reply(intent: Intent, objection: Objection?, russian: Bool) -> String {
        if let objection { return objectionReply(objection, russian: russian) }
        switch (intent, russian) {
        case (.purchaseInquiry, false): return "Great choice! I can help you place the order right away. Which option would you like?"
        case (.purchaseInquiry, true): return "Отличный выбор! Помогу оформить заказ прямо сейчас. Какой вариант вам подходит?"
        case (.pricingQuestion, false): return "Happy to help with pricing. Could you tell me which plan or product you are looking at?"
        case (.pricingQuestion, true): return "С удовольствием подскажу по стоимости. Какой тариф или товар вас интересует?"
        case (.orderStatus, false): return "Let me check your order. Could you share the order number?"
        case (.orderStatus, true): return "Сейчас проверю ваш заказ. Подскажите, пожалуйста, номер заказа."
        case (.technicalIssue, false): return "Sorry about the trouble. Could you tell me your device and the steps that lead to the problem?"
        case (.technicalIssue, true): return "Извините за неудобства. Подскажите, какое у вас устройство и что вы делали перед ошибкой?"
        case (.refundRequest, false): return "I can help with the return. Could you share the order number and the reason?"
        case (.refundRequest, true): return "Помогу с возвратом. Подскажите номер заказа и причину возврата."
        case (.cancellation, false): return "I can take care of that. May I ask what made you decide to cancel?"
        case (.cancellation, true): return "Я помогу с этим. Подскажите, пожалуйста, почему вы решили отменить?"
        case (.complaint, false): return "I'm sorry about this experience. Let me look into it and make it right."
        case (.complaint, true): return "Приносим извинения за этот опыт. Я разберусь и постараюсь всё исправить."
        case (.accountHelp, false): return "I can help with your account. Could you confirm the e-mail address it is registered with?"
        case (.accountHelp, true): return "Помогу с аккаунтом. Подтвердите, пожалуйста, e-mail, на который он зарегистрирован."
        case (.gratitude, false): return "You're welcome! Is there anything else I can help with?"
        case (.gratitude, true): return "Пожалуйста! Могу ли я ещё чем-то помочь?"
        case (.greeting, false): return "Hello! How can I help you today?"
        case (.greeting, true): return "Здравствуйте! Чем могу помочь?"
        case (.generalQuestion, false): return "Good question! Let me find that out for you."
        case (.generalQuestion, true): return "Хороший вопрос! Сейчас уточню для вас."
        }
    }

    static func objectionReply(_ objection: Objection, russian: Bool) -> String {
        switch (objection, russian) {
        case (.price, false): return "I understand price matters. Let me show you what the plan includes, or find an option that fits your budget."
        case (.price, true): return "Понимаю, цена важна. Расскажу, что входит в тариф, или подберу вариант под ваш бюджет."
        case (.competitor, false): return "Thanks for telling me. Let me show you what you get with us that others don't offer."
        case (.competitor, true): return "Спасибо, что сказали. Расскажу, что вы получите у нас и чего нет у других."
        case (.timing, false): return "No rush. Shall I follow up with you later, or would a trial help you decide?"
        case (.timing, true): return "Не торопитесь. Написать вам позже, или помог бы пробный период?"
        case (.need, false): return "Could you tell me how you plan to use it? I'll point out what will matter for you."
        case (.need, true): return "Расскажите, как вы планируете это использовать? Подскажу, что будет полезно именно вам."
        case (.trust, false): return "That's a fair concern. Here are our guarantees and the refund policy."
        case (.trust, true): return "Понимаю ваши сомнения. Вот наши гарантии и условия возврата."
        case (.complexity, false): return "We can set it up together on a short call, or I can send a step-by-step guide."
        case (.complexity, true): return "Можем настроить всё вместе на коротком звонке или я пришлю пошаговую инструкцию."
        }
    }
}

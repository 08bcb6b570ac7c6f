"""Held-out caller phrasings for the demo agent: none of them is one of its examples."""

HELD_OUT = {
    "hours": [
        "what time do you guys open tomorrow",
        "are you open on sundays",
        "how late are you open tonight",
        "um when do you close on saturday",
        "what are your hours this week",
        "is the salon open right now",
        "what time do you shut",
    ],
    "address": [
        "where exactly are you",
        "whats your address",
        "how do i find you",
        "can you give me directions to the studio",
        "what street are you on",
        "where is the salon located",
    ],
    "parking": [
        "is there somewhere to park",
        "can i park nearby",
        "do you have a parking lot",
        "where should i leave my car",
    ],
    "prices": [
        "how much do you charge for a mens cut",
        "whats the price of a beard trim",
        "how much is it to get my hair colored",
        "what do highlights cost",
        "how expensive is a womens haircut",
    ],
    "services": [
        "what kind of services do you have",
        "what do you offer",
        "do you do bridal hair",
    ],
    "booking": [
        "i want to make an appointment",
        "can i schedule a haircut for next week",
        "id like to reserve a time with a stylist",
        "can you book me in for friday",
        "i'd like to book um a colour appointment",
    ],
    "walk-ins": [
        "do i need to book or can i just come in",
        "can i just walk in today",
        "are walk ins okay",
    ],
    "payment": [
        "can i pay with a credit card",
        "do you take cash",
        "is apple pay ok",
        "what payment do you accept",
        "do you guys accept visa",
    ],
    "cancellation": [
        "i need to cancel my booking",
        "whats your cancellation policy",
        "i have to move my appointment to another day",
        "is there a charge if i miss my appointment",
    ],
    "kids": [
        "do you cut childrens hair",
        "can i bring my son for a haircut",
        "do you do kids cuts",
    ],
    "gift-cards": [
        "are gift cards something you sell",
        "i'd like to buy a gift voucher for my mom",
    ],
    "faq-1": ["how long will a haircut take", "how long is a colour appointment"],
    "faq-2": ["is your place wheelchair accessible"],
    "faq-3": ["do you sell shampoo"],
}

OUT_OF_SCOPE = [
    "what's the capital of France",
    "can you order me a pizza",
    "what's the weather like tomorrow",
    "who won the game last night",
    "tell me a joke",
    "how do i reset my router",
    "what is the meaning of life",
]

# Written after the matcher's constants were tuned on HELD_OUT, and never tuned on.
FRESH = {
    "hours": [
        "hi are you guys open on saturday afternoons",
        "till what time are you open on friday",
        "when do you open in the morning",
    ],
    "address": [
        "what's the address of the studio",
        "where are you guys based",
        "could you tell me where you're located please",
    ],
    "parking": ["is parking available there", "will i be able to find parking"],
    "prices": [
        "how much would a women's cut and style be",
        "what do you charge for colour",
        "what's a beard trim going to cost me",
    ],
    "services": ["what services do you guys provide", "do you do blow outs"],
    "booking": [
        "can i book a haircut for saturday morning",
        "i'd like to set up an appointment please",
        "do you have any openings on thursday",
    ],
    "walk-ins": ["do you accept walk ins", "can i come by without an appointment"],
    "payment": ["do you take card", "can i pay with my phone", "what forms of payment do you take"],
    "cancellation": [
        "i want to cancel my appointment for tomorrow",
        "how much notice do i need to give to cancel",
        "can i reschedule my appointment",
    ],
    "kids": ["do you do children's haircuts", "how much is it for a kid"],
    "gift-cards": ["do you have gift cards", "can i purchase a gift card online"],
    "faq-1": ["how long does colour take"],
    "faq-2": ["can someone in a wheelchair get in"],
    "faq-3": ["what hair products do you sell"],
}

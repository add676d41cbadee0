import Seeded
/// A seeded source of case-record English: words drawn from a corpus of social-work prose, mostly
/// sometimes following the corpus's own word pairs (so phrases recur, as in real notes), more often jumping
/// to a word chosen by frequency or from everyday vocabulary, with names, times and inflections mixed in.
/// The mix is tuned so that zlib-6 compresses the prose to 35–45% of its size, as it does real English
/// notes: `fieldbook-bench prose-check` prints the ratio for each mix, and every run prints the ratio of
/// the records it synced.
struct Prose {
    private var random: SplitMix64
    private let words: [String]
    private let successors: [[Int]]
    /// The chance of leaving the corpus's word pairs for a frequency-weighted jump.
    let jumpChance: Double

    init(seed: UInt64, jumpChance: Double = 0.85) {
        self.jumpChance = jumpChance
        random = SplitMix64(seed: seed)
        var index: [String: Int] = [:]
        var words: [String] = []
        var sequence: [Int] = []
        for token in Self.corpus.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let word = String(token)
            if index[word] == nil {
                index[word] = words.count
                words.append(word)
            }
            sequence.append(index[word] ?? 0)
        }
        var successors = Array(repeating: [Int](), count: words.count)
        for (a, b) in zip(sequence, sequence.dropFirst()) { successors[a].append(b) }
        self.words = words
        self.successors = successors
        self.frequent = sequence
    }

    /// Every word occurrence of the corpus: drawing from it picks words by their frequency.
    private let frequent: [Int]

    /// Text of about `length` characters, in sentences.
    mutating func text(length: Int) -> String {
        var out = ""
        out.reserveCapacity(length + 40)
        var current = frequent[random.next(below: frequent.count)]
        var startOfSentence = true
        var written = 0
        while written < length {
            var word = words[current]
            let roll = random.nextDouble()
            if roll < 0.05 {
                word = Self.firstNames[random.next(below: Self.firstNames.count)]
                    + (random.nextDouble() < 0.5 ? " " + Self.surnames[random.next(below: Self.surnames.count)] : "")
            } else if roll < 0.08 {
                word = random.nextDouble() < 0.5
                    ? "\(1 + random.next(below: 12)).\(String(format: "%02d", random.next(below: 60)))\(random.nextDouble() < 0.5 ? "am" : "pm")"
                    : "\(1 + random.next(below: 28))/\(String(format: "%02d", 1 + random.next(below: 12)))"
            } else if roll < 0.16, word.count > 3, word.last?.isLetter == true {
                word += Self.endings[random.next(below: Self.endings.count)]
            }
            if startOfSentence, let first = word.first {
                word = first.uppercased() + word.dropFirst()
                startOfSentence = false
            }
            out += word
            written += word.utf8.count + 1
            if word.hasSuffix(".") {
                startOfSentence = true
            }
            out += " "
            let next = successors[current]
            if next.isEmpty || random.nextDouble() < jumpChance {
                current = frequent[random.next(below: frequent.count)]
                if random.nextDouble() < 0.5 {
                    // A word from everyday vocabulary, then back to the corpus.
                    let extra = Self.vocabulary[random.next(below: Self.vocabulary.count)]
                    out += extra + " "
                    written += extra.utf8.count + 1
                }
            } else {
                current = next[random.next(below: next.count)]
            }
        }
        if !out.hasSuffix(". ") { out = String(out.dropLast()) + "." } else { out.removeLast() }
        return out
    }

    mutating func pick<T>(_ choices: [T]) -> T { choices[random.next(below: choices.count)] }
    mutating func number(below bound: Int) -> Int { random.next(below: bound) }

    /// Everyday words beyond the corpus, drawn on jumps so the vocabulary is as wide as real notes'.
    static let vocabulary = """
        about above accept access account across action active activity actually add address admit adult advice affect
        afraid after afternoon again against age agency agree ahead allow almost alone along already also although
        always amount anger angry animal annual another answer anxious anyone anything apart appear apply approach
        area argue arm around arrange arrive ask asleep assess attend attitude aunt available avoid aware away baby
        back bad bag balance bank base basic bath beach bear beat become bed before begin behave behind believe belong
        below benefit best better between big bike bill birthday bit black blame blood blue board body bone book bored
        born borrow boss both bottle bottom box boy brain brave bread break breakfast breathe bridge brief bright
        bring broken brother brown budget build bus busy buy cake call calm camera cancel car card care career carry
        case cash cat catch cause centre certain chair chance change charge cheap check child choice choose church
        city class clean clear clever climb clinic close clothes club coat coffee cold colleague college colour come
        comfort comment common community company complain complete concern condition confident confirm confuse
        consider contact continue control cook cool copy corner correct cost cough council count country couple course
        court cousin cover crash crazy cream create crime cry culture cup curtain cut daily damage danger dark date
        daughter day dead deal dear debt decide deep delay dentist deny depend describe desk detail develop diary die
        diet different difficult dinner direct dirty disabled discuss dishes distance doctor dog door double doubt
        down draw dream dress drink drive drop drug dry during duty early earn easy eat edge education effect effort
        either elder else email empty end energy enjoy enough enter equal escape even evening event ever every exam
        example excited excuse exercise expect expensive experience explain extra eye face fact fail fair fall false
        family famous far farm fast father fault favourite fear feed feel few fight fill film final find fine finger
        finish fire first fish fit fix flat floor flower fly follow food foot force forget forgive form forward free
        fresh friend front fruit full fun funny future game garden gate general gentle get gift girl give glad glass
        goal gold good grandad grandmother grass great green grey ground group grow guess guest guilty habit hair half
        hall hand handle hang happen hard hate head health hear heart heavy help hide high hill history hit hobby hold
        holiday home honest hope horse hospital hot hour house huge hungry hurt husband idea ill important improve
        include income increase independent information injury inside instead interest internet invite island issue
        job join joke journey judge juice jump keep key kick kid kind kitchen knee know lack lady lamp land language
        large last late laugh law lazy lead learn least leave left leg lend less lesson letter level library lie life
        light like line list listen little live local lock lonely long lose loud love low luck lunch machine main make
        manage many map mark market marry match matter meal mean measure medicine meet member memory mention mess
        message middle mind minute mirror miss mistake mix money month mood morning mother move music name narrow
        nation nature near neat need neighbour nervous never new news next nice night noise normal north nose note
        nothing notice now number nurse object offer office often oil old open opinion order ordinary other outside
        own page pain paint pair paper parent park part partner party pass past path pay peace pen people perfect
        period person pet phone photo pick picture piece place plan plant plate play please pocket point police polite
        poor popular positive possible post pound power practice praise prefer prepare present pretty price prison
        private problem process promise proper protect proud prove pull punish pupil push quick quiet quite radio rain
        raise rather reach read ready real reason receive recent record red reduce refuse regular relax remember rent
        repair repeat reply report rest result return rich ride right ring rise risk road rock role room rough round
        rule run sad safe salt same save say scared school score screen sea season seat second secret see seem sell
        send sense serious serve set settle shake shame shape share shoe shop short shout show shower shut shy sick
        side sign silly simple since sing single sister sit size skill skin sky sleep slow small smell smile smoke
        snow social soft solve some son song soon sorry sort sound south space speak special spend sport spring staff
        stage stairs stand star start stay steal step still stomach stone stop story strange street stress strong
        student study stupid subject success sudden sugar summer sun supper support sure surprise sweet swim table
        take talk tall taste tea teach team tear teeth tell term test thank thing think thirsty through ticket tidy
        time tired today together toilet tomorrow tonight tooth top touch town toy train travel treat tree trouble
        true trust truth try turn twice type ugly uncle under understand unhappy uniform until upset use usual valley
        value van very victim view village visit voice wait wake walk wall want warm wash waste watch water way weak
        wear weather week weekend weight welcome well west wet wheel while white whole wide wife wild win window
        winter wish woman wonder word work world worry write wrong yard year yellow yesterday young youth
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)

    static let firstNames = ["Jamie", "Kayla", "Ayesha", "Tomasz", "Grace", "Kwame", "Leah", "Oliver", "Priya", "Connor", "Amira", "Lewis",
                             "Chloe", "Bilal", "Megan", "Dylan", "Zainab", "Kieran", "Sophie", "Reece", "Hannah", "Mohammed", "Ellie",
                             "Tyler", "Nadia", "Callum", "Jade", "Ibrahim", "Lucy", "Marcus"]
    static let surnames = ["Brooks", "Khan", "Okafor", "Nowak", "Evans", "Patel", "Hughes", "Mensah", "Walsh", "Ahmed", "Jones", "Kaur",
                           "Murphy", "Begum", "Taylor", "Ali", "Davies", "Osei", "Clarke", "Hussain"]
    static let endings = ["s", "ed", "ing", "ly", "er", "ness", "ment"]

    /// Invented notes in the register of children's social work recording (no real people).
    static let corpus = """
        I visited the family home at the agreed time and was welcomed in by the foster carer. The house was warm \
        and tidy and there was food in the kitchen. Jamie was at the table finishing his homework and said he was \
        pleased to see me. We talked in his bedroom with the door open while the carer stayed downstairs. Jamie \
        showed me the new posters on his wall and told me about the football team he has joined at school. He said \
        that he likes living here because the carer listens to him and makes sure he gets to training on time. He \
        misses his younger sister and asked when he can see her again. I explained that contact is being arranged \
        for the school holidays and that I would let him know the dates as soon as they are agreed. Jamie said he \
        sometimes feels worried at night when he thinks about his mum. We talked about who he can speak to when he \
        feels like this and he named his carer and his teacher. The carer reported that Jamie has been sleeping \
        better over the last month and that his attendance at school has improved. She raised a concern about a \
        message he received on his phone from an older boy he does not know well. We agreed that the carer will \
        keep an eye on his phone use and that I will discuss online safety with Jamie at the next visit. The \
        school has confirmed that his reading is now at the expected level for his age. His health assessment is \
        due next month and the carer has booked the appointment with the family doctor. There were no marks or \
        injuries seen and Jamie appeared relaxed and happy throughout the visit. Analysis: the placement continues \
        to meet his needs and he has built a trusting relationship with his carer. The main risks remain his \
        contact with people who may exploit him and the impact of his worries about his mother on his sleep and \
        mood. Actions: arrange sibling contact before the end of term, share the concern about the phone message \
        with the police liaison officer, and ask the school nurse to offer him some sessions. Mum telephoned the \
        office this afternoon to ask for an update on the review meeting. She was calm and said she has been \
        attending the parenting course every week. She wanted to know whether the children could come home for a \
        weekend. I explained that this would be discussed at the review and that the plan will depend on the \
        progress she makes with the support workers. The health visitor called to say that the baby was weighed \
        today and has gained weight since the last check. The home was cold and there was very little food in the \
        cupboards. The children were seen together in the living room because the older child refused to speak to \
        me alone. Mum was present for part of the visit and became upset when we talked about the neighbour. I \
        will speak to the housing officer about the heating and make a referral to the food bank. A strategy \
        discussion was held with the police and health and it was agreed that the threshold for a child \
        protection enquiry has been met. The teacher reported that the child arrived hungry on three days this \
        week and was wearing the same clothes. The child told the teacher that there had been shouting at home \
        and that dad had gone away for a few days. Supervisor agreed the plan and asked for a visit within two \
        working days to see the children and speak to both parents.
        """
}

//! What the people in the demo story write, in plain British English: concerns as residents
//! and shopkeepers raise them, officers' replies, patrol and engagement notes, intelligence,
//! and what ward panels raise and agree. `{place}` is where it happened.

use beatbook_domain::concern::{
    AsbCategory, AsbEnvironmental, AsbNuisance, AsbPersonal, ConcernCategory, ConcernPriority,
    CrimeCategory, VawgBehavioural, VawgCategory, VawgEnvironmental,
};
use beatbook_domain::people::PersonRole;

/// Where a kind of concern is usually raised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Town centres: shops, bars, stations, the night-time economy.
    TownCentre,
    /// Residential streets and estates.
    Neighbourhood,
    Anywhere,
}

pub struct ConcernText {
    pub setting: Setting,
    pub category: ConcernCategory,
    pub priority: ConcernPriority,
    pub description: &'static str,
    /// Someone involved, described rather than named.
    pub person: Option<(PersonRole, &'static str)>,
    pub crime: Option<CrimeCategory>,
}

pub fn concerns() -> Vec<ConcernText> {
    use AsbCategory::{Environmental as Env, Nuisance, Personal};
    use ConcernPriority::{High, Low, Medium};
    use Setting::{Anywhere, Neighbourhood, TownCentre};
    let asb = ConcernCategory::Asb;
    let vawg_place = |h| ConcernCategory::Vawg(VawgCategory::Environmental(h));
    let vawg_act = |h| ConcernCategory::Vawg(VawgCategory::Behavioural(h));
    let c = |setting, category, priority, description, person, crime| ConcernText {
        setting,
        category,
        priority,
        description,
        person,
        crime,
    };
    vec![
        c(TownCentre, asb(Nuisance(AsbNuisance::StreetDrinking)), Medium,
          "A group of six to eight men drinking cans at {place} most afternoons from about two o'clock. Shop staff say they shout at customers and use the doorways as a toilet.",
          Some((PersonRole::Suspect, "Men in their forties, one with a grey sleeping bag")), None),
        c(TownCentre, asb(Nuisance(AsbNuisance::RowdyBehaviour)), High,
          "Groups leaving the bars at {place} after closing are fighting and shouting, and bottles are being smashed on the pavement. It happens every Friday and Saturday.",
          None, Some(CrimeCategory::PublicOrder)),
        c(TownCentre, asb(Nuisance(AsbNuisance::Begging)), Medium,
          "Aggressive begging at the cash machines at {place}. An elderly resident was followed to the bus stop and felt threatened.",
          Some((PersonRole::Victim, "Woman in her seventies, lives locally")), None),
        c(TownCentre, asb(Personal(AsbPersonal::IntimidationOrHarassment)), High,
          "The manager of a newsagent at {place} says the same two youths come in every day after school, take sweets and drinks, and threaten staff when challenged.",
          Some((PersonRole::Suspect, "Two boys, about 15, school uniform, one on an e-bike")), Some(CrimeCategory::Shoplifting)),
        c(TownCentre, vawg_act(VawgBehavioural::SpikingConcern), High,
          "Two women say they felt suddenly unwell after drinks at a bar near {place} on Saturday night. They would like officers at closing time and the venue spoken to.",
          Some((PersonRole::Victim, "Two women in their twenties")), None),
        c(TownCentre, vawg_act(VawgBehavioural::VerbalHarassment), Medium,
          "Women walking past {place} in the evening are shouted at by a group of men outside the late-night shop. Several regulars now cross the road to avoid it.",
          Some((PersonRole::Suspect, "Group of four or five men, twenties")), None),
        c(TownCentre, asb(Nuisance(AsbNuisance::DrugUse)), Medium,
          "Cannabis being smoked and, the caller believes, sold in the alley beside {place} from late afternoon. Deliveries to the shops are being blocked.",
          None, Some(CrimeCategory::Drugs)),
        c(TownCentre, asb(Env(AsbEnvironmental::Litter)), Low,
          "Takeaway boxes and nitrous oxide canisters left all over {place} every Sunday morning. Traders clear it themselves before opening.",
          None, None),
        c(TownCentre, vawg_place(VawgEnvironmental::UnsafeTransportStop), Medium,
          "The night bus stop at {place} has a broken light and men hang around it after midnight. A student says she was approached twice last week.",
          Some((PersonRole::Victim, "Student, travels home late from work")), None),
        c(Neighbourhood, asb(Nuisance(AsbNuisance::Noise)), Medium,
          "Loud music from a flat near {place} until three in the morning at weekends. The caller works early shifts and has asked them twice to turn it down.",
          None, None),
        c(Neighbourhood, asb(Nuisance(AsbNuisance::VehicleNuisance)), Medium,
          "Mopeds and e-bikes ridden at speed along the pavement at {place}, mostly between four and seven in the evening. A child was nearly hit last Tuesday.",
          Some((PersonRole::Witness, "Parent on the school run")), None),
        c(Neighbourhood, asb(Env(AsbEnvironmental::FlyTipping)), Low,
          "Mattresses and black bags dumped on the pavement at {place} again, a week after the council cleared the last lot.",
          None, None),
        c(Neighbourhood, asb(Env(AsbEnvironmental::DrugLitter)), High,
          "Used needles found in the planters at {place}. Children walk past on their way to school.",
          None, None),
        c(Anywhere, asb(Env(AsbEnvironmental::Graffiti)), Low,
          "Fresh tags sprayed across the shutters and the bus shelter at {place} overnight. Shopkeepers think it is the same crew as last month.",
          None, Some(CrimeCategory::CriminalDamageArson)),
        c(Neighbourhood, asb(Personal(AsbPersonal::NeighbourDispute)), Medium,
          "A long-running dispute between neighbours at {place} over parking and bins. Words were exchanged yesterday and the caller now feels intimidated in her own home.",
          Some((PersonRole::Victim, "Resident, lives alone")), None),
        c(Neighbourhood, asb(Env(AsbEnvironmental::AbandonedVehicle)), Low,
          "A silver hatchback with no number plates has been left at {place} for three weeks. The windows have now been smashed.",
          None, None),
        c(Neighbourhood, asb(Nuisance(AsbNuisance::Fireworks)), Medium,
          "Fireworks being let off at people and parked cars at {place} for the last few evenings. An older resident's dog is terrified.",
          Some((PersonRole::Suspect, "Group of teenagers on bikes")), None),
        c(Neighbourhood, vawg_place(VawgEnvironmental::BadlyLit), Medium,
          "Two street lights are out on the path by {place}. Women walking home from the station say they avoid it after dark.",
          None, None),
        c(Neighbourhood, vawg_place(VawgEnvironmental::OvergrownVegetation), Low,
          "The bushes along the footpath at {place} are so overgrown that someone could wait there unseen. Residents have asked for them to be cut back.",
          None, None),
        c(Anywhere, vawg_act(VawgBehavioural::FeelingFollowed), High,
          "A woman reports being followed from {place} by a man on a bicycle who kept circling back. It is the second time this month.",
          Some((PersonRole::Suspect, "Man, thirties, dark hoodie, black mountain bike")), None),
        c(Neighbourhood, asb(Nuisance(AsbNuisance::RowdyBehaviour)), Medium,
          "Young people gathering in the stairwells at {place} in the evenings, smoking and kicking doors. Residents feel unable to use the lifts.",
          None, None),
        c(Anywhere, ConcernCategory::Other { label: "Pavement parking".into() }, Low,
          "Delivery vans parking on the pavement at {place} every morning, leaving no room for wheelchairs or pushchairs.",
          None, None),
        c(Anywhere, asb(Env(AsbEnvironmental::DamagedProperty)), Low,
          "The bus shelter at {place} has been smashed for the third time since the summer.",
          None, Some(CrimeCategory::CriminalDamageArson)),
    ]
}

/// An officer's first answer to a concern.
pub const REPLIES: &[&str] = &[
    "Called the caller back and visited {place}. Added to this week's patrol plan; I will update her after Friday's patrol.",
    "PCSO visited this afternoon and spoke to the shop staff. CCTV requested from the manager.",
    "Reported the street lights to the council and gave the caller the reference. We will check them on our next evening patrol.",
    "Passed to the council's street cleansing team, who have booked a clearance. I will check it has been done.",
    "Visited {place} this evening; the group had gone. Spoke to two neighbours who confirm it happens most nights.",
    "Spoke to the housing officer for the block and booked a joint visit for next week.",
    "Attended and spoke to the people involved. Advice given and the caller is happy with the plan.",
    "Added {place} to the team's hotspot list for evening patrols over the next fortnight.",
    "Met the caller at {place} and walked the route with her. Council asked to cut back the bushes and fix the lighting.",
];

/// A note closing a concern.
pub const RESOLUTIONS: &[&str] = &[
    "The council has cleared the site and the caller is happy for this to be closed.",
    "Two community protection warnings issued. No further reports in the last fortnight.",
    "Lights repaired by the council; the caller has been told and thanked us.",
    "Patrols over three weekends found no further trouble. Closed with the caller's agreement.",
    "The venue has agreed to extra door staff at closing time. Closed; we will keep an eye on it.",
    "The vehicle was removed by the council. Closed.",
    "Mediation arranged through the housing association; both households are engaging. Closed.",
];

/// What a hotspot patrol found.
pub const PATROL_NOTES: &[&str] = &[
    "Walked the hotspot twice. Moved on a group drinking; no offences seen.",
    "Quiet evening. Spoke to door staff at three venues and the manager of the late-night shop.",
    "Stop and account with two males on e-bikes; words of advice given.",
    "Busy with people leaving the bars. High visibility presence until it cleared.",
    "Checked the stairwells and the alley. Drug litter found and reported to the council.",
    "Spoke to four residents about the recent concerns. Nothing further seen.",
    "Dispersed a group of youths on bikes. Intelligence report submitted.",
];

/// Daytime patrols of an area, not at a hotspot.
pub const AREA_PATROL_NOTES: &[&str] = &[
    "School gates at home time, then a walk round the estate.",
    "Foot patrol of the ward; visited two shops about recent thefts.",
    "Walked the parks and the canal towpath; all quiet.",
];

/// Engagements: (type, notes).
pub const ENGAGEMENTS: &[(&str, &str)] = &[
    ("street_briefing", "Street briefing at {place}: leaflets on e-bike theft and a chat with passers-by about what worries them."),
    ("surgery", "Contact point at {place}. Residents raised moped nuisance and fly-tipping."),
    ("event", "Stall at the community fun day near {place}; bike marking for twenty-two bikes."),
    ("street_briefing", "Spoke to traders at {place} about shoplifting and the new radio link scheme."),
    ("surgery", "Ward surgery at {place}. Questions about the ward panel's priorities and lighting."),
    ("event", "Coffee with a Copper at {place}; good turnout from older residents."),
];

/// Intelligence: (content, checks made).
pub const INTEL: &[(&str, &str)] = &[
    ("A white Ford Transit is seen most evenings at {place} from about 9pm; young men approach the driver's window briefly and walk off. Believed to be drug supply.", "PNC check on the partial index: no trace."),
    ("Staff at a shop on {place} say a man in his thirties known as 'Jay' stores stolen goods in the flat above the bookmaker's and sells them to market traders.", "Local systems checked: one previous report mentions the nickname."),
    ("Teenagers are being paid to carry small packages from {place} to an address on the estate after school.", "Safeguarding referral considered; school liaison officer informed."),
    ("A group of about ten youths are carrying knives in their waistbands at {place} at weekends, according to a youth worker who overheard them.", "Checked recent stop and search records: two stops in the area last month."),
    ("A red e-bike used in phone snatches around {place} is kept in the bike store of a nearby block.", "Crime reports reviewed: four snatches in the area in three weeks."),
    ("Door staff at a bar by {place} believe a man is spiking drinks; he moves between venues and leaves with different women.", "Venue CCTV requested; licensing team informed."),
    ("Cannabis is being grown in a flat near {place}; neighbours report a strong smell and a lot of electricity cabling.", "Electricity supplier contacted through the usual route."),
];

/// Ward panels: issues raised, and the priorities agreed (with votes).
pub struct Panel {
    pub venue: &'static str,
    pub issues: &'static [&'static str],
    pub priorities: &'static [(&'static str, u32)],
    pub notes: &'static str,
}

/// A ward panel for each ward (and a business forum for each town centre), by area id.
pub fn panel(area: &str) -> Panel {
    let (venue, issues, priorities, notes): (&str, &[&str], &[(&str, u32)], &str) = match area {
        "E05013655" => ("St Michael's Church hall, Camden Street",
            &["Street drinking by the station", "Drug dealing in the Plender Street alleys", "Moped nuisance on Camden Street"],
            &[("Street drinking around Camden Town station", 14), ("Drug dealing around Plender Street", 11), ("Moped nuisance on Camden Street", 6)],
            "Good turnout. The council's ASB lead attended; licensing enforcement promised for the off-licence on the High Street."),
        "E05013654" => ("Camden Square community hall",
            &["Fly-tipping on Agar Grove", "Poor lighting in the square", "Cycle theft"],
            &[("Fly-tipping on Agar Grove", 9), ("Lighting in Camden Square", 7), ("Cycle theft from estates", 5)],
            "Residents asked for feedback through the ward newsletter."),
        "E05013664" | "E05013663" | "E05013660" => ("Kentish Town Community Centre, Busby Place",
            &["Youths in the stairwells on the estate", "Drug dealing on Castle Road", "Speeding on Highgate Road"],
            &[("Anti-social behaviour in estate stairwells", 12), ("Drug dealing on Castle Road", 10), ("Speeding on Highgate Road", 4)],
            "Panel concerned that the team is a PC short; the inspector was asked to attend next time."),
        "E05009370" => ("CLR James Library, Dalston Square",
            &["Street drinking in Gillett Square", "Moped-enabled phone snatches", "Noise from late-night venues"],
            &[("Street drinking in Gillett Square", 13), ("Phone snatches by moped riders", 12), ("Late-night noise on Dalston Lane", 5)],
            "Strong support for more joint patrols with the council's enforcement officers."),
        "E05009371" => ("De Beauvoir Community Hall, Downham Road",
            &["Drug litter by Kingsland Basin", "Cycle theft", "Rough sleeping on the canal"],
            &[("Drug litter around Kingsland Basin", 8), ("Cycle theft on the estate", 6), ("Welfare of rough sleepers on the towpath", 5)],
            "Outreach team to be invited to the next meeting."),
        "E05009382" => ("Shacklewell Lane community centre",
            &["Drug dealing on Shacklewell Lane", "Fly-tipping", "Youths on bikes intimidating residents"],
            &[("Drug dealing on Shacklewell Lane", 11), ("Fly-tipping on Arcola Street", 7), ("Youths on bikes intimidating residents", 6)],
            "Residents' association to share photos of fly-tipping with the team."),
        "E05009372" => ("Hackney Town Hall, Mare Street",
            &["Theft from shops on the Narrow Way", "Drug use in Hackney Downs park", "Begging at the station"],
            &[("Shoplifting on the Narrow Way", 10), ("Drug use in Hackney Downs park", 9), ("Begging around Hackney Central station", 4)],
            "Business improvement district to fund extra CCTV coverage."),
        "E05009381" => ("London Fields community room, Martello Street",
            &["Noise and litter after events in the park", "Cycle theft", "Women feeling unsafe on the towpath"],
            &[("Women's safety on the canal towpath", 15), ("Cycle theft around Broadway Market", 8), ("Noise and litter in London Fields", 6)],
            "Walk and talk on the towpath planned with local women's groups."),
        "tc-camden-town" | "tc-kentish-town" => ("Camden Town business forum, Camden Town Hall",
            &["Shoplifting", "Aggressive begging", "Safety at closing time"],
            &[("Shoplifting on Camden High Street", 9), ("Safety at closing time around Camden Lock", 8), ("Aggressive begging at cash machines", 5)],
            "Traders keen on the radio link scheme; Camden BID to fund two more radios."),
        _ => ("Dalston business forum, Kingsland Shopping Centre",
            &["Shoplifting", "Drinks spiking", "Street drinking"],
            &[("Shoplifting at Kingsland Shopping Centre", 9), ("Drinks spiking in late-night venues", 9), ("Street drinking on Kingsland High Street", 6)],
            "Venues signed up to the Ask for Angela scheme."),
    };
    Panel {
        venue,
        issues,
        priorities,
        notes,
    }
}

/// A standing priority a ward had before the twelve weeks, by area id.
pub fn standing_priority(area: &str) -> (&'static str, &'static str) {
    match area {
        "E05013655" => (
            "Street drinking around Camden Town station",
            "Agreed at the summer ward panel.",
        ),
        "E05013654" => (
            "Cycle theft from estates",
            "Agreed at the summer ward panel.",
        ),
        "E05013664" => (
            "Drug dealing on Castle Road",
            "Carried over from the spring ward panel.",
        ),
        "E05013663" => (
            "Speeding on Highgate Road",
            "Carried over from the spring ward panel.",
        ),
        "E05013660" => (
            "Youths gathering at Queen's Crescent market",
            "Carried over from the spring ward panel.",
        ),
        "E05009370" => (
            "Phone snatches by moped riders",
            "Agreed at the summer ward panel.",
        ),
        "E05009371" => (
            "Drug litter around Kingsland Basin",
            "Agreed at the summer ward panel.",
        ),
        "E05009382" => (
            "Drug dealing on Shacklewell Lane",
            "Agreed at the summer ward panel.",
        ),
        "E05009372" => (
            "Shoplifting on the Narrow Way",
            "Agreed at the summer ward panel.",
        ),
        _ => (
            "Women's safety on the canal towpath",
            "Agreed at the summer ward panel.",
        ),
    }
}

/// "You said, we did" updates for a priority.
pub const WE_DID: &[&str] = &[
    "Weekly evening patrols at the hotspot, with the council's enforcement officers on two of them.",
    "Three community protection warnings issued and one closure order applied for.",
    "Lighting repaired and the bushes cut back after our request to the council.",
    "Joint visits with the housing officer to the households involved.",
    "Plain-clothes patrols led to two arrests; both are on bail with conditions.",
];

/// `{place}` filled in.
pub fn at(text: &str, place: &str) -> String {
    text.replace("{place}", place)
}

//! The committee report at HQ: built from the framework's facts quarter by
//! quarter, the improvement actions ([`crate::actions::all`]), the outcomes
//! ([`crate::outcomes::team_outcomes`]) and the partnership notes ([`crate::outcomes::notes`]);
//! served as JSON and as a PDF ([`pdf`]). The assembly rules (areas for improvement, failures
//! not yet addressed, an action as the committee reads it) are the domain's
//! ([`beatbook_domain::committee`]).
//!
//! Aggregates only: the report names no officer (an action's owner, opener and closer, and its
//! updates' text, are left out) and holds no record's text beyond what an action says will be
//! done. Every quarter is measured against the targets set today: HQ keeps no history of them.

use crate::error::ApiError;
use crate::pdf::{self, Document, Font, Rgb};
use crate::HqState;
use beatbook_domain::committee::{
    self as rules, ActionLine, CommitteeReport, MeasureHistory, PartnershipNoteView, TeamReport,
};
use beatbook_domain::framework::{self, Change, Measure, Period, Rag, TargetTable};
use beatbook_domain::improvement::ActionStatus;
use beatbook_domain::outcomes::{OutcomeFigure, OutcomeMeasure, PartnershipMeeting, Quarter};
use beatbook_domain::people::{Team, TeamKind};
use chrono::{Datelike, NaiveDate, Utc};

/// The quarter a request asks for (`2026-Q4`), as of `today`: the last complete one when not
/// given; refused in words when it is not a quarter or has not begun.
pub fn quarter_asked(asked: Option<&str>, today: NaiveDate) -> Result<Quarter, ApiError> {
    let quarter = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => rules::last_complete_quarter(today),
        Some(s) => s.parse::<Quarter>().map_err(ApiError::BadRequest)?,
    };
    rules::check_quarter(quarter, today).map_err(ApiError::BadRequest)
}

/// The committee report for `quarter`: every team, every measure over the report's four quarters
/// and the same quarter a year before, its actions, areas for improvement, failures not yet
/// addressed and outcomes; the quarter's partnership notes.
pub async fn report(state: &HqState, quarter: Quarter) -> Result<CommitteeReport, ApiError> {
    let now = Utc::now();
    let today = now.date_naive();
    let quarters = rules::report_quarters(quarter);
    // The year before first, then the report's quarters, oldest first; the current quarter runs
    // to today.
    let mut asked: Vec<Quarter> = vec![quarter.year_before()];
    asked.extend(&quarters);
    let periods: Vec<Period> = asked
        .iter()
        .map(|q| {
            Period::days(Some(q.first_day()), Some(q.last_day().min(today)), now)
                .ok_or_else(|| ApiError::BadRequest(format!("{} has not begun", q.words())))
        })
        .collect::<Result<_, _>>()?;

    let mut teams = state.storage.teams().await?;
    teams.sort_by(|a, b| {
        (a.kind != TeamKind::Tct, &a.name).cmp(&(b.kind != TeamKind::Tct, &b.name))
    });
    let targets = state.storage.targets().await?;
    let snapshot = crate::performance::facts(state).await?;
    let figures = {
        let teams = teams.clone();
        tokio::task::spawn_blocking(move || figures(snapshot.items(), &teams, &targets, &periods))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };

    let actions = crate::actions::all(state).await?;
    let mut out = Vec::with_capacity(teams.len());
    for (t, team) in teams.iter().enumerate() {
        let measures: Vec<MeasureHistory> = Measure::ALL
            .iter()
            .enumerate()
            .map(|(k, &m)| {
                let mine: Vec<(Quarter, Option<f64>, f64)> = quarters
                    .iter()
                    .enumerate()
                    .map(|(i, q)| {
                        let (value, target) = figures[i + 1][t][k];
                        (*q, value, target)
                    })
                    .collect();
                rules::measure_history(m, &mine, figures[0][t][k].0)
            })
            .collect();
        let theirs: Vec<&crate::actions::ActionRecord> = actions
            .iter()
            .filter(|a| a.action.team_id == team.id && rules::action_in_quarter(&a.action, quarter))
            .collect();
        let mut lines: Vec<ActionLine> = theirs
            .iter()
            .map(|a| rules::action_line(a.id, &a.action, &a.updates, a.status, today))
            .collect();
        lines.sort_by_key(|l| (l.measure, l.opened_on));
        let open: Vec<&beatbook_domain::improvement::ImprovementAction> =
            theirs.iter().map(|a| &a.action).collect();
        out.push(TeamReport {
            id: team.id.clone(),
            name: team.name.clone(),
            kind: team.kind,
            areas_for_improvement: rules::areas_for_improvement(&measures),
            unaddressed: rules::unaddressed(&measures, &open, quarter),
            outcomes: crate::outcomes::team_outcomes(state, team, quarter).await?,
            measures,
            actions: lines,
        });
    }
    Ok(CommitteeReport {
        force: state.settings.force_name.clone(),
        quarter,
        quarters,
        generated_at: now,
        teams: out,
        notes: crate::outcomes::notes(state, quarter).await?,
    })
}

/// Each period's figure and target of each team and measure (in the order of [`Measure::ALL`]).
type Figures = Vec<Vec<[(Option<f64>, f64); Measure::ALL.len()]>>;

fn figures<'a>(
    items: impl IntoIterator<Item = &'a framework::Item> + Clone,
    teams: &[Team],
    targets: &[crate::dashboard::framework::TargetRow],
    periods: &[Period],
) -> Figures {
    let units = framework::units(false, teams, &[]);
    let table = TargetTable::new(
        targets
            .iter()
            .map(|t| (t.scope.as_str(), t.measure.as_str(), t.target)),
    );
    periods
        .iter()
        .map(|p| {
            framework::tally(items.clone(), &units, p)
                .into_iter()
                .zip(&units)
                .map(|(row, unit)| {
                    let mut out = [(None, 0.0); Measure::ALL.len()];
                    for (k, m) in Measure::ALL.into_iter().enumerate() {
                        out[k] = (row[k].value(m, p), table.target(false, unit, m));
                    }
                    out
                })
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Words

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec",
];

/// A day as the dashboard writes it (en-GB): `7 Dec 2026`.
pub fn day(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

fn kind_words(kind: TeamKind) -> &'static str {
    match kind {
        TeamKind::Tct => "Town Centre Team",
        TeamKind::Snt => "Safer Neighbourhoods Team",
    }
}

/// An outcome's figure with its unit: `-4.2%`, `78%`, `£12.50`.
pub fn outcome_value(m: OutcomeMeasure, v: Option<f64>) -> String {
    let Some(v) = v else {
        return "No figure".into();
    };
    match (m, m.unit()) {
        (OutcomeMeasure::CrimeChangeYoy, _) => {
            let sign = if v > 0.0 { "+" } else { "" };
            format!("{sign}{}%", rules::number_words(v))
        }
        (_, "£") => pounds(v),
        (_, unit) => format!("{}{unit}", rules::number_words(v)),
    }
}

/// Pounds and pence with the thousands marked: `£25,719.54`.
fn pounds(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    let (whole, pence) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}£{grouped}.{pence}")
}

fn meeting_words(m: PartnershipMeeting) -> &'static str {
    match m {
        PartnershipMeeting::Cdrp => "Crime and disorder reduction partnership",
        PartnershipMeeting::EngagementGroup => "Community and police engagement group",
        PartnershipMeeting::Other => "Partnership meeting",
    }
}

/// A measure's figure in a table cell: `62.5%`, or the number alone (the measure's name says
/// what it counts).
fn cell_figure(m: Measure, v: Option<f64>) -> String {
    match v {
        None => "No figure".into(),
        Some(v) if m.unit() == "%" => format!("{}%", rules::number_words(v)),
        Some(v) => rules::number_words(v),
    }
}

/// The file name the PDF is offered under.
pub fn pdf_file_name(quarter: Quarter) -> String {
    format!("committee-report-{quarter}.pdf")
}

/// The report's title, on every page.
pub const TITLE: &str = "Neighbourhood policing: report to the committee";

// ---------------------------------------------------------------------------------------------
// The PDF

const RED: Rgb = Rgb(244, 199, 195);
const AMBER: Rgb = Rgb(252, 232, 178);
const GREEN: Rgb = Rgb(183, 225, 205);
const GREY: Rgb = Rgb(235, 235, 235);
const HEADER: Rgb = Rgb(218, 226, 238);
const RULE: Rgb = Rgb(150, 150, 150);

fn rag_fill(rag: Rag) -> Rgb {
    match rag {
        Rag::Red => RED,
        Rag::Amber => AMBER,
        Rag::Green => GREEN,
        Rag::None => GREY,
    }
}

fn status_fill(s: ActionStatus) -> Rgb {
    match s {
        ActionStatus::OnTrack | ActionStatus::Done => GREEN,
        ActionStatus::OffTrack => RED,
        ActionStatus::Open => GREY,
    }
}

const LEFT: f32 = 36.0;
const TOP: f32 = 96.0;
const BOTTOM: f32 = 558.0;
const TABLE_SIZE: f32 = 8.0;
const TABLE_LEADING: f32 = 10.0;
const BODY_SIZE: f32 = 9.5;
const BODY_LEADING: f32 = 12.5;

/// One cell of a table: its lines (wrapped to the column), bold or not, and its fill.
struct Cell {
    text: String,
    bold: bool,
    fill: Option<Rgb>,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        bold: false,
        fill: None,
    }
}

fn filled(text: impl Into<String>, fill: Rgb) -> Cell {
    Cell {
        text: text.into(),
        bold: false,
        fill: Some(fill),
    }
}

/// Lays the report out page by page, top to bottom; the header and page numbers are drawn on
/// every page once the number of pages is known.
struct Layout {
    doc: Document,
    y: f32,
    /// The section under way, repeated at the top of a page it runs on to.
    section: Option<String>,
}

impl Layout {
    fn right(&self) -> f32 {
        self.doc.size().0 - LEFT
    }

    fn page_mut(&mut self) -> &mut pdf::Page {
        let last = self.doc.page_count() - 1;
        self.doc.page(last).expect("a page is under way")
    }

    fn new_page(&mut self) {
        self.doc.add_page();
        self.y = TOP;
        if let Some(s) = self.section.clone() {
            self.y += 14.0;
            let y = self.y;
            self.page_mut().text(
                Font::Bold,
                12.0,
                LEFT,
                y,
                &format!("{s} (continued)"),
                Rgb::BLACK,
            );
            self.y += 10.0;
        }
    }

    /// Start a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.room(size * 2.0 + 30.0);
        self.y += size + 4.0;
        let y = self.y;
        self.page_mut()
            .text(Font::Bold, size, LEFT, y, text, Rgb::BLACK);
        self.y += size * 0.6;
    }

    fn paragraph(&mut self, font: Font, text: &str, indent: f32) {
        let width = self.right() - LEFT - indent;
        for line in pdf::wrap(font, BODY_SIZE, text, width) {
            self.room(BODY_LEADING);
            self.y += BODY_LEADING;
            let y = self.y;
            self.page_mut()
                .text(font, BODY_SIZE, LEFT + indent, y, &line, Rgb::BLACK);
        }
        self.y += 3.0;
    }

    /// A table with a header row (repeated on every page it runs on to).
    fn table(&mut self, widths: &[f32], header: &[&str], rows: Vec<Vec<Cell>>) {
        let header: Vec<Cell> = header
            .iter()
            .map(|h| Cell {
                text: (*h).to_owned(),
                bold: true,
                fill: Some(HEADER),
            })
            .collect();
        let header_height = self.row_height(widths, &header);
        self.room(header_height + 30.0);
        self.row(widths, &header);
        for row in rows {
            let h = self.row_height(widths, &row);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(widths, &header);
            }
            self.row(widths, &row);
        }
        self.y += 8.0;
    }

    fn lines(width: f32, c: &Cell) -> Vec<String> {
        let font = if c.bold { Font::Bold } else { Font::Regular };
        pdf::wrap(font, TABLE_SIZE, &c.text, width - 6.0)
    }

    fn row_height(&self, widths: &[f32], row: &[Cell]) -> f32 {
        let most = row
            .iter()
            .zip(widths)
            .map(|(c, w)| Layout::lines(*w, c).len())
            .max()
            .unwrap_or(1);
        most as f32 * TABLE_LEADING + 6.0
    }

    fn row(&mut self, widths: &[f32], row: &[Cell]) {
        let h = self.row_height(widths, row);
        let top = self.y;
        let mut x = LEFT;
        let right = self.right();
        for (c, w) in row.iter().zip(widths) {
            let lines = Layout::lines(*w, c);
            let font = if c.bold { Font::Bold } else { Font::Regular };
            let page = self.page_mut();
            if let Some(fill) = c.fill {
                page.fill_rect(x + 0.5, top + 0.5, w - 1.0, h - 1.0, fill);
            }
            for (i, line) in lines.iter().enumerate() {
                page.text(
                    font,
                    TABLE_SIZE,
                    x + 3.0,
                    top + 3.0 + TABLE_LEADING * (i as f32 + 1.0) - 2.0,
                    line,
                    Rgb::BLACK,
                );
            }
            x += w;
        }
        self.page_mut()
            .line((LEFT, top + h), (right, top + h), 0.4, RULE);
        self.y = top + h;
    }

    /// Draw each page's header (the title, the force, the quarter, the page number) and footer.
    fn finish(mut self, report: &CommitteeReport) -> Vec<u8> {
        let n = self.doc.page_count();
        let right = self.right();
        let subtitle = format!("{} – {}", report.force, report.quarter.words());
        let footer = format!(
            "Made by Beatbook HQ on {}. Aggregates only: no officer is named and no record is shown; an improvement action says only what will be done. Colours are always named in words too.",
            day(report.generated_at.date_naive())
        );
        for i in 0..n {
            let Some(page) = self.doc.page(i) else {
                continue;
            };
            page.text(Font::Bold, 13.0, LEFT, 44.0, TITLE, Rgb::BLACK);
            page.text(Font::Regular, 10.0, LEFT, 60.0, &subtitle, Rgb::BLACK);
            page.text_right(
                Font::Regular,
                10.0,
                right,
                44.0,
                &format!("Page {} of {n}", i + 1),
            );
            page.line((LEFT, 70.0), (right, 70.0), 0.8, RULE);
            page.text(Font::Regular, 7.5, LEFT, 580.0, &footer, Rgb::BLACK);
        }
        self.doc.to_bytes()
    }
}

/// The report as a PDF a committee would circulate: A4 landscape, a summary page, then one
/// section per team (its measures over four quarters with red/amber/green in colour and in
/// words, the year before and the changes, outcomes against targets, failures and their actions,
/// areas for improvement), then the partnership notes; the title, force, quarter and page number
/// on every page.
pub fn pdf(report: &CommitteeReport) -> Vec<u8> {
    let title = format!("{TITLE}, {}", report.quarter.words());
    let mut l = Layout {
        doc: Document::new(&title, pdf::A4_LANDSCAPE),
        y: TOP,
        section: None,
    };
    l.new_page();
    summary(&mut l, report);
    for team in &report.teams {
        l.section = None;
        l.new_page();
        team_section(&mut l, report, team);
    }
    l.section = None;
    l.new_page();
    notes(&mut l, report);
    l.finish(report)
}

fn summary(l: &mut Layout, r: &CommitteeReport) {
    l.heading("Summary", 15.0);
    let first = r.quarters.first().copied().unwrap_or(r.quarter);
    l.paragraph(
        Font::Regular,
        &format!(
            "Every team's figures on the performance framework's {} measures over the four quarters from {} to {}, each against the target set today, with the same quarter a year before ({}). On target (green): at or above the target. Near target (amber): within 10% below it. Below target (red): further below. The summary counts each team's measures by colour in {}.",
            Measure::ALL.len(),
            first.words(),
            r.quarter.words(),
            r.quarter.year_before().words(),
            r.quarter.words()
        ),
        0.0,
    );
    l.y += 4.0;
    let rows = r
        .teams
        .iter()
        .map(|t| {
            let count = |rag: Rag| {
                t.measures
                    .iter()
                    .filter(|m| m.quarters.last().is_some_and(|q| q.rag == rag))
                    .count()
                    .to_string()
            };
            let open = t
                .actions
                .iter()
                .filter(|a| a.status != ActionStatus::Done)
                .count();
            vec![
                Cell {
                    text: t.name.clone(),
                    bold: true,
                    fill: None,
                },
                cell(kind_words(t.kind)),
                filled(count(Rag::Green), GREEN),
                filled(count(Rag::Amber), AMBER),
                filled(count(Rag::Red), RED),
                filled(count(Rag::None), GREY),
                cell(open.to_string()),
                if t.unaddressed.is_empty() {
                    cell("None")
                } else {
                    filled(t.unaddressed.len().to_string(), RED)
                },
            ]
        })
        .collect();
    let header = [
        "Team".to_owned(),
        "Type".to_owned(),
        "On target".to_owned(),
        "Near target".to_owned(),
        "Below target".to_owned(),
        "No data".to_owned(),
        "Actions open".to_owned(),
        "Failures not yet addressed".to_owned(),
    ];
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    l.table(
        &[210.0, 140.0, 80.0, 70.0, 70.0, 60.0, 60.0, 79.89],
        &header,
        rows,
    );
    l.heading("Failures not yet addressed", 12.0);
    let mut any = false;
    for t in &r.teams {
        if t.unaddressed.is_empty() {
            continue;
        }
        any = true;
        let labels: Vec<&str> = t.unaddressed.iter().map(|m| m.label()).collect();
        l.paragraph(
            Font::Regular,
            &format!(
                "• {}: below target with no action open on {}",
                t.name,
                labels.join("; ")
            ),
            6.0,
        );
    }
    if !any {
        l.paragraph(
            Font::Regular,
            "None: every measure below target has an improvement action open.",
            0.0,
        );
    }
}

fn team_section(l: &mut Layout, r: &CommitteeReport, t: &TeamReport) {
    l.heading(&t.name, 16.0);
    l.paragraph(
        Font::Regular,
        &format!(
            "{}. Figures by quarter against today's targets.",
            kind_words(t.kind)
        ),
        0.0,
    );
    l.section = Some(t.name.clone());

    // Measures over four quarters.
    l.heading("Measures", 11.0);
    let mut header: Vec<String> = vec!["Measure".into()];
    header.extend(r.quarters.iter().map(|q| q.words()));
    header.extend([
        "Target".into(),
        format!("Year before\n{}", r.quarter.year_before().words()),
        "Quarter on quarter".into(),
        "Year on year".into(),
    ]);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = t
        .measures
        .iter()
        .map(|m| {
            let mut row = vec![cell(m.label.clone())];
            for q in &m.quarters {
                row.push(filled(
                    format!("{}\n{}", cell_figure(m.measure, q.value), q.rag.words()),
                    rag_fill(q.rag),
                ));
            }
            let target = m.quarters.last().map(|q| q.target);
            row.extend([
                cell(cell_figure(m.measure, target)),
                cell(cell_figure(m.measure, m.year_before)),
                cell(change_words(m.quarter_on_quarter)),
                cell(change_words(m.year_on_year)),
            ]);
            row
        })
        .collect();
    l.table(
        &[170.0, 88.0, 88.0, 88.0, 88.0, 50.0, 78.0, 60.0, 59.89],
        &header,
        rows,
    );

    // Outcomes.
    l.heading("Outcomes against their targets", 11.0);
    if t.outcomes.is_empty() {
        l.paragraph(
            Font::Regular,
            "No outcome figures for this quarter: recorded crime, surveys and costs have not been loaded for it.",
            0.0,
        );
    } else {
        let rows = t.outcomes.iter().map(outcome_row).collect();
        l.table(
            &[190.0, 80.0, 80.0, 90.0, 80.0, 80.0, 85.0, 84.89],
            &[
                "Outcome",
                "This quarter",
                "Target",
                "Status",
                "Quarter before",
                "Year before",
                "Quarter on quarter",
                "Year on year",
            ],
            rows,
        );
    }

    // Failures and their actions.
    l.heading("Failures and their actions", 11.0);
    for m in &t.unaddressed {
        l.room(BODY_LEADING * 2.0);
        let y = l.y + 3.0;
        let page = l.page_mut();
        page.fill_rect(LEFT, y, 8.0, 11.0, RED);
        l.paragraph(
            Font::Bold,
            &format!(
                "Failure not yet addressed: {} is below target and no improvement action is open.",
                m.label()
            ),
            12.0,
        );
    }
    if t.actions.is_empty() {
        l.paragraph(
            Font::Regular,
            "No improvement actions were open in this quarter.",
            0.0,
        );
    }
    for a in &t.actions {
        action_block(l, a);
    }

    // Areas for improvement.
    l.heading("Areas for improvement", 11.0);
    if t.areas_for_improvement.is_empty() {
        l.paragraph(
            Font::Regular,
            "None: every measure is on target or has no figure, and none is falling both on the quarter before and on a year before.",
            0.0,
        );
    }
    for a in &t.areas_for_improvement {
        l.paragraph(Font::Regular, &format!("• {a}"), 6.0);
    }
}

fn change_words(c: Change) -> String {
    c.words().to_owned()
}

fn outcome_row(o: &OutcomeFigure) -> Vec<Cell> {
    vec![
        cell(o.measure.label()),
        cell(outcome_value(o.measure, o.value)),
        cell(
            o.target
                .map_or("No target".into(), |t| outcome_value(o.measure, Some(t))),
        ),
        filled(o.rag.words(), rag_fill(o.rag)),
        cell(outcome_value(o.measure, o.previous)),
        cell(outcome_value(o.measure, o.year_before)),
        cell(change_words(o.quarter_on_quarter)),
        cell(change_words(o.year_on_year)),
    ]
}

fn action_block(l: &mut Layout, a: &ActionLine) {
    l.room(BODY_LEADING * 4.0);
    l.y += 4.0;
    let status = a.status.words();
    let w = pdf::width(Font::Bold, 8.0, status) + 8.0;
    let y = l.y + 2.0;
    l.page_mut()
        .fill_rect(LEFT, y, w, 12.0, status_fill(a.status));
    l.page_mut()
        .text(Font::Bold, 8.0, LEFT + 4.0, y + 9.0, status, Rgb::BLACK);
    let label = format!("Improvement action on {}", a.measure.label());
    l.page_mut().text(
        Font::Bold,
        BODY_SIZE,
        LEFT + w + 6.0,
        y + 9.5,
        &label,
        Rgb::BLACK,
    );
    l.y += 14.0;
    l.paragraph(
        Font::Regular,
        &format!("What will be done: {}", a.what),
        12.0,
    );
    let mut when = format!(
        "Opened {}. Due {}{}. Review {}{}.",
        day(a.opened_on),
        day(a.due_on),
        if a.overdue { " (overdue)" } else { "" },
        day(a.review_on),
        if a.review_overdue {
            " (review overdue)"
        } else {
            ""
        },
    );
    match (a.updates, a.last_update_on) {
        (0, _) | (_, None) => when.push_str(" No progress updates yet."),
        (1, Some(d)) => when.push_str(&format!(" 1 progress update, on {}.", day(d))),
        (n, Some(d)) => when.push_str(&format!(" {n} progress updates, the latest on {}.", day(d))),
    }
    if let Some(c) = &a.closed {
        when.push_str(&format!(" {c}."));
    }
    l.paragraph(Font::Regular, &when, 12.0);
}

fn notes(l: &mut Layout, r: &CommitteeReport) {
    l.heading(
        &format!("Notes from partnership meetings, {}", r.quarter.words()),
        15.0,
    );
    l.section = Some("Notes from partnership meetings".into());
    if r.notes.is_empty() {
        l.paragraph(
            Font::Regular,
            "No notes from partnership meetings were written for this quarter.",
            0.0,
        );
    }
    for n in &r.notes {
        l.room(BODY_LEADING * 3.0);
        l.y += 4.0;
        l.paragraph(Font::Bold, &note_heading(n), 0.0);
        l.paragraph(Font::Regular, &n.text, 8.0);
    }
}

fn note_heading(n: &PartnershipNoteView) -> String {
    let about = n
        .team_name
        .as_deref()
        .or(n.area_name.as_deref())
        .unwrap_or("The whole force");
    match n.met_on {
        Some(d) => format!("{} on {}: {about}", meeting_words(n.meeting), day(d)),
        None => format!("{}: {about}", meeting_words(n.meeting)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beatbook_domain::{RecordId, TeamId};

    fn q(s: &str) -> Quarter {
        s.parse().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn team(name: &str, red: bool) -> TeamReport {
        let quarters = rules::report_quarters(q("2026-Q4"));
        let measures: Vec<MeasureHistory> = Measure::ALL
            .iter()
            .map(|&m| {
                let figures: Vec<(Quarter, Option<f64>, f64)> = quarters
                    .iter()
                    .map(|q| (*q, Some(if red { 10.0 } else { 120.0 }), 90.0))
                    .collect();
                rules::measure_history(m, &figures, Some(50.0))
            })
            .collect();
        TeamReport {
            id: TeamId::new(name.to_lowercase().replace(' ', "-")),
            name: name.into(),
            kind: TeamKind::Tct,
            areas_for_improvement: rules::areas_for_improvement(&measures),
            unaddressed: if red {
                vec![Measure::ConcernsClosed]
            } else {
                vec![]
            },
            outcomes: vec![OutcomeFigure {
                measure: OutcomeMeasure::CostPerPatrolHour,
                value: Some(41.5),
                target: None,
                rag: Rag::None,
                previous: Some(40.0),
                year_before: None,
                quarter_on_quarter: Change::Up,
                year_on_year: Change::NotComparable,
            }],
            measures,
            actions: vec![ActionLine {
                id: RecordId::new(),
                measure: Measure::ConcernsAnswered72h,
                what: "Answer every concern by the next shift".into(),
                status: ActionStatus::OffTrack,
                opened_on: d("2026-11-02"),
                due_on: d("2027-01-31"),
                review_on: d("2026-12-01"),
                overdue: false,
                review_overdue: true,
                updates: 3,
                last_update_on: Some(d("2026-11-30")),
                closed: None,
            }],
        }
    }

    fn report(teams: usize) -> CommitteeReport {
        CommitteeReport {
            force: "Metropolitan Police Service".into(),
            quarter: q("2026-Q4"),
            quarters: rules::report_quarters(q("2026-Q4")),
            generated_at: d("2027-01-07").and_hms_opt(9, 0, 0).unwrap().and_utc(),
            teams: (0..teams)
                .map(|i| team(&format!("Team {i} Centre"), i % 2 == 0))
                .collect(),
            notes: vec![PartnershipNoteView {
                id: 1,
                meeting: PartnershipMeeting::Cdrp,
                met_on: Some(d("2026-11-20")),
                team_id: None,
                team_name: None,
                area_id: None,
                area_name: Some("Camden Town".into()),
                quarter: q("2026-Q4"),
                text: "Traders report fewer thefts since the evening patrols began.".into(),
                written_at: Utc::now(),
            }],
        }
    }

    #[test]
    fn the_quarter_asked_for_is_checked_in_words_and_defaults_to_the_last_complete_one() {
        let today = d("2026-12-07");
        assert_eq!(quarter_asked(None, today).unwrap(), q("2026-Q3"));
        assert_eq!(quarter_asked(Some(" "), today).unwrap(), q("2026-Q3"));
        assert_eq!(quarter_asked(Some("2026-Q4"), today).unwrap(), q("2026-Q4"));
        match quarter_asked(Some("2026-Q5"), today) {
            Err(ApiError::BadRequest(m)) => assert!(m.contains("write it as 2026-Q4"), "{m}"),
            other => panic!("{other:?}"),
        }
        match quarter_asked(Some("2027-Q2"), today) {
            Err(ApiError::BadRequest(m)) => {
                assert_eq!(
                    m,
                    "Apr to Jun 2027 has not begun: choose a quarter up to Oct to Dec 2026"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(pdf_file_name(q("2026-Q4")), "committee-report-2026-Q4.pdf");
        assert_eq!(day(d("2026-09-05")), "5 Sept 2026");
        assert_eq!(
            outcome_value(OutcomeMeasure::CostPerEngagement, Some(12.5)),
            "£12.50"
        );
        assert_eq!(
            outcome_value(OutcomeMeasure::CostPerEngagement, Some(25719.544)),
            "£25,719.54"
        );
        assert_eq!(pounds(1_234_567.0), "£1,234,567.00");
        assert_eq!(pounds(999.999), "£1,000.00");
        assert_eq!(
            outcome_value(OutcomeMeasure::CrimeChangeYoy, Some(-4.25)),
            "-4.3%"
        );
        assert_eq!(
            outcome_value(OutcomeMeasure::CrimeChangeYoy, Some(3.0)),
            "+3%"
        );
    }

    #[test]
    fn the_pdf_has_a_summary_a_section_per_team_and_the_notes_with_a_header_on_every_page() {
        let r = report(3);
        let bytes = pdf(&r);
        let pages = crate::pdf::text_of_pages(&bytes).unwrap();
        let n = pages.len();
        assert!(n >= 5, "{n} pages");
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(TITLE), "page {}: {page}", i + 1);
            assert!(
                page.contains("Metropolitan Police Service – Oct to Dec 2026"),
                "page {}",
                i + 1
            );
            assert!(
                page.contains(&format!("Page {} of {n}", i + 1)),
                "page {}: {page}",
                i + 1
            );
        }
        assert!(pages[0].contains("Summary") && pages[0].contains("Failures not yet addressed"));
        assert!(pages[0].contains("Team 0 Centre") && pages[0].contains("Team 2 Centre"));
        for t in &r.teams {
            // The summary names every team; its section starts a page of its own after it.
            let first = pages
                .iter()
                .skip(1)
                .position(|p| p.lines().any(|l| l == t.name))
                .map(|i| i + 1)
                .unwrap_or_else(|| panic!("no page for {}", t.name));
            let page = &pages[first];
            for q in [
                "Jan to Mar 2026",
                "Oct to Dec 2026",
                "Year before",
                "Oct to Dec 2025",
            ] {
                assert!(page.contains(q), "{q} on {}'s page: {page}", t.name);
            }
            assert!(page.contains("Concerns answered within 72 hours (%)"));
        }
        let all = pages.join("\n");
        assert!(all.contains("Below target") && all.contains("On target"));
        assert!(all.contains("£41.50"), "the pound sign prints");
        assert!(all.contains("Off track"));
        assert!(all.contains("Review 1 Dec 2026 (review overdue)."), "{all}");
        assert!(all.contains("3 progress updates, the latest on 30 Nov 2026."));
        assert!(all.contains("Failure not yet addressed: Concerns closed (%) is below target"));
        assert!(all.contains("below target for 4 quarters in a row"));
        let last = pages.last().unwrap();
        assert!(last.contains("Notes from partnership meetings, Oct to Dec 2026"));
        assert!(
            last.contains("Crime and disorder reduction partnership on 20 Nov 2026: Camden Town")
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/MediaBox [0 0 841.89 595.28]"));
    }

    #[test]
    fn a_long_report_runs_on_to_more_pages_each_with_its_header() {
        let mut r = report(1);
        let mut line = r.teams[0].actions[0].clone();
        line.what = "Patrol the station approach every evening. ".repeat(12);
        r.teams[0].actions = vec![line; 12];
        let pages = crate::pdf::text_of_pages(&pdf(&r)).unwrap();
        let n = pages.len();
        assert!(n >= 5, "{n}");
        assert!(pages
            .iter()
            .any(|p| p.contains("Team 0 Centre (continued)")));
        for (i, p) in pages.iter().enumerate() {
            assert!(p.contains(&format!("Page {} of {n}", i + 1)));
        }
    }
}

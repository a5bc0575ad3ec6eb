//! Small SVG charts drawn on the server (UI-5): the geometry is worked out here and
//! the template only writes it down, so a chart is plain markup (crisp, printable,
//! testable) with no script. Every chart carries its numbers as a table too, for
//! screen readers and for anyone who wants the figures.

/// The height of every chart's `viewBox`, in drawing units close to CSS pixels (a
/// card draws its chart at about its width, so labels keep their size).
const HEIGHT: f64 = 140.0;
/// Room for the y axis' labels on the left and the x axis' below.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

/// How wide a chart is drawn: a card's, or a card spanning two columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Card,
    Wide,
}

impl Size {
    fn width(self) -> f64 {
        match self {
            Size::Card => 280.0,
            Size::Wide => 600.0,
        }
    }
}

pub struct Chart {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: String,
    pub title: String,
    /// What the chart says, in words (the image's description).
    pub summary: String,
    pub drawing: Drawing,
    /// The same drawn narrower, for a phone (wide charts only): shown instead of
    /// `drawing` below 760 px, so labels keep a readable size.
    pub compact: Option<Drawing>,
    pub legend: Vec<Legend>,
    pub table: Table,
}

impl Chart {
    /// This chart, with `narrow`'s drawing for small screens.
    pub fn with_compact(mut self, narrow: Chart) -> Chart {
        self.compact = Some(narrow.drawing);
        self
    }
}

/// What the SVG draws.
pub struct Drawing {
    pub width: String,
    pub height: String,
    pub rects: Vec<Rect>,
    pub lines: Vec<Line>,
    pub dots: Vec<Dot>,
    pub rules: Vec<Rule>,
    pub labels: Vec<Label>,
}

pub struct Rect {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub class: &'static str,
    /// The value, shown on hover.
    pub tip: String,
}

pub struct Line {
    pub points: String,
    pub class: &'static str,
}

pub struct Dot {
    pub x: String,
    pub y: String,
    pub class: &'static str,
    pub tip: String,
}

/// A horizontal line across the plot: the grid, or a target.
pub struct Rule {
    pub y: String,
    pub x1: String,
    pub x2: String,
    pub class: &'static str,
}

pub struct Label {
    pub x: String,
    pub y: String,
    /// start, middle or end.
    pub anchor: &'static str,
    pub text: String,
    pub class: &'static str,
}

pub struct Legend {
    pub class: &'static str,
    pub name: String,
}

pub struct Table {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One series: its CSS class (its colour) and its name.
#[derive(Clone, Copy)]
pub struct Series {
    pub class: &'static str,
    pub name: &'static str,
}

/// A number for SVG: one decimal at most.
fn n(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// A round top for the y axis at or above `max` (1, 2 or 5 times a power of ten).
pub fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

/// A round top for a y axis of durations (seconds): a minute, 5, 10, 15, 30 minutes,
/// 1, 2, 3, 6, 12 hours, then whole days.
pub fn nice_duration_ceiling(max: f64) -> f64 {
    const TOPS: [f64; 14] = [
        60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0,
        86400.0, 172_800.0, 604_800.0,
    ];
    TOPS.iter()
        .copied()
        .find(|top| *top >= max)
        .unwrap_or_else(|| (max / 86_400.0).ceil() * 86_400.0)
}

/// Which x positions get a label: the first, the last and two between.
fn labelled(count: usize) -> Vec<usize> {
    let mut at: Vec<usize> = match count {
        0 => vec![],
        1..=4 => (0..count).collect(),
        _ => vec![0, count / 3, 2 * count / 3, count - 1],
    };
    at.dedup();
    at
}

struct Frame {
    top: f64,
    width: f64,
    plot_w: f64,
    plot_h: f64,
}

impl Frame {
    fn new(top: f64, size: Size) -> Self {
        Frame {
            top,
            width: size.width(),
            plot_w: size.width() - LEFT - RIGHT,
            plot_h: HEIGHT - TOP - BOTTOM,
        }
    }

    fn y(&self, v: f64) -> f64 {
        TOP + self.plot_h * (1.0 - (v / self.top).clamp(0.0, 1.0))
    }

    /// The y axis (0, half, top) and its grid.
    fn axis(&self, format: &dyn Fn(f64) -> String) -> (Vec<Rule>, Vec<Label>) {
        let mut rules = Vec::new();
        let mut labels = Vec::new();
        for v in [0.0, self.top / 2.0, self.top] {
            let y = self.y(v);
            rules.push(Rule {
                y: n(y),
                x1: n(LEFT),
                x2: n(self.width - RIGHT),
                class: if v == 0.0 { "axis" } else { "grid" },
            });
            labels.push(Label {
                x: n(LEFT - 4.0),
                y: n(y + 3.5),
                anchor: "end",
                text: format(v),
                class: "tick",
            });
        }
        (rules, labels)
    }

    fn x_labels(&self, names: &[String], center: impl Fn(usize) -> f64) -> Vec<Label> {
        let last = names.len().saturating_sub(1);
        labelled(names.len())
            .into_iter()
            .map(|i| Label {
                x: n(center(i)),
                y: n(HEIGHT - 6.0),
                anchor: if i == 0 && names.len() > 1 {
                    "start"
                } else if i == last && names.len() > 1 {
                    "end"
                } else {
                    "middle"
                },
                text: names[i].clone(),
                class: "tick",
            })
            .collect()
    }
}

fn legend(series: &[Series]) -> Vec<Legend> {
    series
        .iter()
        .map(|s| Legend {
            class: s.class,
            name: s.name.to_owned(),
        })
        .collect()
}

/// Stacked bars, one per x position (`names`), `values[i][s]` for series `s`.
pub fn stacked_bars(
    size: Size,
    id: &str,
    title: &str,
    summary: String,
    names: &[String],
    series: &[Series],
    values: &[Vec<i64>],
) -> Chart {
    let max = values
        .iter()
        .map(|v| v.iter().sum::<i64>())
        .max()
        .unwrap_or(0);
    let frame = Frame::new(nice_ceiling(max as f64), size);
    let slot = frame.plot_w / names.len().max(1) as f64;
    let bar = (slot * 0.78).max(1.0);
    let mut rects = Vec::new();
    for (i, stack) in values.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0.0;
        for (s, &v) in stack.iter().enumerate() {
            if v <= 0 {
                continue;
            }
            let top = base + v as f64;
            let (y0, y1) = (frame.y(base), frame.y(top));
            rects.push(Rect {
                x: n(x),
                y: n(y1),
                w: n(bar),
                h: n((y0 - y1).max(0.5)),
                class: series[s].class,
                tip: format!("{}: {} {}", names[i], v, series[s].name.to_lowercase()),
            });
            base = top;
        }
    }
    let (rules, mut labels) = frame.axis(&|v| n(v));
    labels.extend(frame.x_labels(names, |i| LEFT + slot * (i as f64 + 0.5)));
    let mut head = vec![String::new()];
    head.extend(series.iter().map(|s| s.name.to_owned()));
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        summary,
        drawing: Drawing {
            width: n(frame.width),
            height: n(HEIGHT),
            rects,
            lines: Vec::new(),
            dots: Vec::new(),
            rules,
            labels,
        },
        compact: None,
        legend: legend(series),
        table: Table {
            caption: title.to_owned(),
            head,
            rows: names
                .iter()
                .zip(values)
                .map(|(name, v)| {
                    let mut row = vec![name.clone()];
                    row.extend(v.iter().map(|x| x.to_string()));
                    row
                })
                .collect(),
        },
    }
}

/// A target drawn across a line chart.
pub struct Target {
    pub value: f64,
    pub label: String,
}

/// Lines over x positions (`names`); `values[i][s]` is series `s` at `i`, none where
/// there is nothing to show (the line breaks there). `format` writes a value.
#[allow(clippy::too_many_arguments)]
pub fn lines(
    size: Size,
    id: &str,
    title: &str,
    summary: String,
    names: &[String],
    series: &[Series],
    values: &[Vec<Option<f64>>],
    target: Option<Target>,
    ceiling: &dyn Fn(f64) -> f64,
    format: &dyn Fn(f64) -> String,
) -> Chart {
    let max = values
        .iter()
        .flatten()
        .flatten()
        .copied()
        .chain(target.as_ref().map(|t| t.value))
        .fold(0.0, f64::max);
    let frame = Frame::new(ceiling(max), size);
    let step = frame.plot_w / names.len().saturating_sub(1).max(1) as f64;
    let x_of = |i: usize| {
        if names.len() == 1 {
            LEFT + frame.plot_w / 2.0
        } else {
            LEFT + step * i as f64
        }
    };
    let mut lines = Vec::new();
    let mut dots = Vec::new();
    for (s, one) in series.iter().enumerate() {
        let mut run: Vec<(usize, f64)> = Vec::new();
        let mut flush = |run: &mut Vec<(usize, f64)>| {
            match run.len() {
                0 => {}
                1 => {
                    let (i, v) = run[0];
                    dots.push(Dot {
                        x: n(x_of(i)),
                        y: n(frame.y(v)),
                        class: one.class,
                        tip: format!("{}: {} {}", names[i], one.name.to_lowercase(), format(v)),
                    });
                }
                _ => lines.push(Line {
                    points: run
                        .iter()
                        .map(|&(i, v)| format!("{},{}", n(x_of(i)), n(frame.y(v))))
                        .collect::<Vec<_>>()
                        .join(" "),
                    class: one.class,
                }),
            }
            run.clear();
        };
        for (i, v) in values.iter().enumerate() {
            match v.get(s).copied().flatten() {
                Some(v) => run.push((i, v)),
                None => flush(&mut run),
            }
        }
        flush(&mut run);
    }
    let (mut rules, mut labels) = frame.axis(format);
    if let Some(t) = &target {
        let y = frame.y(t.value);
        rules.push(Rule {
            y: n(y),
            x1: n(LEFT),
            x2: n(frame.width - RIGHT),
            class: "target",
        });
        labels.push(Label {
            x: n(frame.width - RIGHT - 2.0),
            y: n(y - 3.0),
            anchor: "end",
            text: t.label.clone(),
            class: "target-label",
        });
    }
    labels.extend(frame.x_labels(names, x_of));
    let mut head = vec![String::new()];
    head.extend(series.iter().map(|s| s.name.to_owned()));
    let mut legend = legend(series);
    if let Some(t) = &target {
        legend.push(Legend {
            class: "target",
            name: t.label.clone(),
        });
    }
    Chart {
        id: id.to_owned(),
        title: title.to_owned(),
        summary,
        drawing: Drawing {
            width: n(frame.width),
            height: n(HEIGHT),
            rects: Vec::new(),
            lines,
            dots,
            rules,
            labels,
        },
        compact: None,
        legend,
        table: Table {
            caption: title.to_owned(),
            head,
            rows: names
                .iter()
                .zip(values)
                .filter(|(_, v)| v.iter().any(Option::is_some))
                .map(|(name, v)| {
                    let mut row = vec![name.clone()];
                    row.extend(v.iter().map(|x| x.map_or("–".to_owned(), format)));
                    row
                })
                .collect(),
        },
    }
}

/// How full something is against its limit: a bar in a track, warning from 80%.
pub struct Gauge {
    pub id: String,
    pub label: String,
    pub fill: String,
    pub class: &'static str,
}

pub fn gauge(id: &str, label: String, value: i64, limit: i64) -> Gauge {
    let share = if limit > 0 {
        (value as f64 / limit as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Gauge {
        id: id.to_owned(),
        label,
        fill: n(share * 100.0),
        class: if share >= 1.0 {
            "full"
        } else if share >= 0.8 {
            "high"
        } else {
            "fine"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: [Series; 2] = [
        Series {
            class: "met",
            name: "Met",
        },
        Series {
            class: "breached",
            name: "Breached",
        },
    ];

    #[test]
    fn the_y_axis_tops_out_at_a_round_number() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(130.0), 200.0);
        assert_eq!(nice_ceiling(3600.0), 5000.0);
        assert_eq!(nice_ceiling(2.0), 2.0);
    }

    #[test]
    fn a_duration_axis_tops_out_at_a_round_time() {
        assert_eq!(nice_duration_ceiling(45.0), 60.0);
        assert_eq!(nice_duration_ceiling(3601.0), 7200.0);
        assert_eq!(nice_duration_ceiling(50_000.0), 86_400.0);
        assert_eq!(nice_duration_ceiling(700_000.0), 777_600.0);
    }

    #[test]
    fn stacked_bars_stack_and_the_table_has_every_number() {
        let names = vec!["10:00".to_owned(), "11:00".to_owned()];
        let chart = stacked_bars(
            Size::Card,
            "sla",
            "SLA",
            String::new(),
            &names,
            &TWO,
            &[vec![3, 1], vec![0, 0]],
        );
        // 4 tops the first bar; the axis goes to 5. Zero segments draw nothing.
        assert_eq!(chart.drawing.rects.len(), 2);
        let met = &chart.drawing.rects[0];
        let breached = &chart.drawing.rects[1];
        let bottom = TOP + (HEIGHT - TOP - BOTTOM);
        let per = (HEIGHT - TOP - BOTTOM) / 5.0;
        assert_eq!(met.y, n(bottom - 3.0 * per));
        assert_eq!(breached.y, n(bottom - 4.0 * per), "stacked on the met");
        assert_eq!(
            chart.table.rows,
            vec![vec!["10:00", "3", "1"], vec!["11:00", "0", "0"]]
        );
        assert_eq!(chart.table.head, vec!["", "Met", "Breached"]);
    }

    #[test]
    fn a_line_breaks_where_there_is_nothing_and_a_lone_point_is_a_dot() {
        let names: Vec<String> = (0..5).map(|i| format!("{i}")).collect();
        let values = vec![
            vec![Some(1.0)],
            vec![Some(2.0)],
            vec![None],
            vec![Some(4.0)],
            vec![None],
        ];
        let one = [Series {
            class: "median",
            name: "Median",
        }];
        let target = Target {
            value: 3.0,
            label: "Target".into(),
        };
        let chart = lines(
            Size::Wide,
            "w",
            "Waits",
            String::new(),
            &names,
            &one,
            &values,
            Some(target),
            &nice_ceiling,
            &|v| n(v),
        );
        assert_eq!(chart.drawing.lines.len(), 1);
        assert_eq!(chart.drawing.lines[0].points.split(' ').count(), 2);
        assert_eq!(chart.drawing.dots.len(), 1);
        assert!(chart.drawing.rules.iter().any(|r| r.class == "target"));
        assert_eq!(
            chart.table.rows.len(),
            3,
            "rows only where there is a figure"
        );
    }

    #[test]
    fn a_gauge_warns_from_four_fifths_of_the_limit() {
        assert_eq!(gauge("g", String::new(), 100, 200).class, "fine");
        assert_eq!(gauge("g", String::new(), 160, 200).class, "high");
        assert_eq!(gauge("g", String::new(), 200, 200).class, "full");
        assert_eq!(gauge("g", String::new(), 250, 200).fill, "100");
    }
}

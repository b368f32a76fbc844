//! Average-linkage (UPGMA) hierarchical clustering on a distance matrix,
//! used to order heatmap rows/columns so similar models sit together.
//!
//! Deterministic: the pair merged at each step is the one with the smallest
//! distance, ties broken by the smallest `(a, b)` cluster ids (leaves are
//! `0..n`, the k-th merge creates id `n + k`, as in scipy's linkage). The
//! merged cluster's left child is the smaller id. An asymmetric input is
//! symmetrised as `(d[i][j] + d[j][i]) / 2`; NaN distances count as +inf.

/// One merge of the dendrogram (scipy `linkage` row).
#[derive(Clone, Debug, PartialEq)]
pub struct Merge {
    /// Left child cluster id (the smaller).
    pub a: usize,
    /// Right child cluster id.
    pub b: usize,
    /// Average-linkage distance between the two.
    pub distance: f64,
    /// Leaves in the new cluster.
    pub size: usize,
}

fn clean(x: f64) -> f64 {
    if x.is_nan() {
        f64::INFINITY
    } else {
        x
    }
}

/// The UPGMA merges (n - 1 of them) for an `n x n` distance matrix. Rows
/// shorter than `n` count missing entries as +inf.
pub fn upgma_linkage(dist: &[Vec<f64>]) -> Vec<Merge> {
    let n = dist.len();
    let get = |i: usize, j: usize| -> f64 {
        let a = dist[i].get(j).copied().unwrap_or(f64::INFINITY);
        let b = dist[j].get(i).copied().unwrap_or(f64::INFINITY);
        clean((clean(a) + clean(b)) / 2.0)
    };
    // d[x][y] for active cluster ids; grows with each merge.
    let total = 2 * n.max(1) - 1;
    let mut d = vec![vec![f64::INFINITY; total]; total];
    for (i, row) in d.iter_mut().enumerate().take(n) {
        for (j, x) in row.iter_mut().enumerate().take(n) {
            if i != j {
                *x = get(i, j);
            }
        }
    }
    let mut active: Vec<usize> = (0..n).collect();
    let mut size: Vec<usize> = vec![1; total];
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    let mut next = n;
    while active.len() > 1 {
        let mut best: Option<(f64, usize, usize)> = None;
        for (p, &x) in active.iter().enumerate() {
            for &y in &active[p + 1..] {
                let v = d[x][y];
                if best.is_none_or(|(bv, _, _)| v < bv) {
                    best = Some((v, x, y));
                }
            }
        }
        let (v, a, b) = best.expect("at least two active clusters");
        let (sa, sb) = (size[a], size[b]);
        size[next] = sa + sb;
        for &k in &active {
            if k != a && k != b {
                let nd = (sa as f64 * d[a][k] + sb as f64 * d[b][k]) / (sa + sb) as f64;
                let nd = clean(nd);
                d[next][k] = nd;
                d[k][next] = nd;
            }
        }
        active.retain(|&k| k != a && k != b);
        active.push(next);
        merges.push(Merge {
            a,
            b,
            distance: v,
            size: sa + sb,
        });
        next += 1;
    }
    merges
}

/// Leaf order of the UPGMA dendrogram (left child first, as scipy's
/// `leaves_list`): a permutation of `0..n`.
pub fn upgma_order(dist: &[Vec<f64>]) -> Vec<usize> {
    let n = dist.len();
    if n == 0 {
        return Vec::new();
    }
    let merges = upgma_linkage(dist);
    let root = n + merges.len() - 1;
    let mut out = Vec::with_capacity(n);
    let mut stack = vec![if merges.is_empty() { 0 } else { root }];
    while let Some(id) = stack.pop() {
        if id < n {
            out.push(id);
        } else {
            let m = &merges[id - n];
            stack.push(m.b);
            stack.push(m.a);
        }
    }
    out
}

/// The [`upgma_order`] of `n` items from a similarity (higher = closer,
/// e.g. mean ROUGE-L or a share): distance `1 - sim(a, b)`, 0 on the
/// diagonal, 1 where the similarity is NaN (never observed).
pub fn order_by_similarity(n: usize, sim: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    let dist: Vec<Vec<f64>> = (0..n)
        .map(|a| {
            (0..n)
                .map(|b| {
                    let s = sim(a, b);
                    if a == b {
                        0.0
                    } else if s.is_nan() {
                        1.0
                    } else {
                        1.0 - s
                    }
                })
                .collect()
        })
        .collect();
    upgma_order(&dist)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        // Points on a line: leaf 0 at 0, leaf 1 at 5, leaf 2 at 1, leaf 3 at 6.
        let pos = [0.0, 5.0, 1.0, 6.0f64];
        let d: Vec<Vec<f64>> = pos
            .iter()
            .map(|a| pos.iter().map(|b| (a - b).abs()).collect())
            .collect();
        let m = upgma_linkage(&d);
        // (0,2) and (1,3) tie at 1: (0,2) first by index; then 4-5 at
        // ((5+4)/2 + (6+5)/2)/2 = 5.
        assert_eq!(
            m[0],
            Merge {
                a: 0,
                b: 2,
                distance: 1.0,
                size: 2
            }
        );
        assert_eq!(
            m[1],
            Merge {
                a: 1,
                b: 3,
                distance: 1.0,
                size: 2
            }
        );
        assert_eq!(
            m[2],
            Merge {
                a: 4,
                b: 5,
                distance: 5.0,
                size: 4
            }
        );
        assert_eq!(upgma_order(&d), vec![0, 2, 1, 3]);
    }

    #[test]
    fn weighted_average() {
        // 0,1 merge at 2; then cluster {0,1} to 2 = (4*1 + 6*1)/2 = 5; 3 is far.
        let d = vec![
            vec![0.0, 2.0, 4.0, 9.0],
            vec![2.0, 0.0, 6.0, 9.0],
            vec![4.0, 6.0, 0.0, 9.0],
            vec![9.0, 9.0, 9.0, 0.0],
        ];
        let m = upgma_linkage(&d);
        assert_eq!(
            m[1],
            Merge {
                a: 2,
                b: 4,
                distance: 5.0,
                size: 3
            }
        );
        assert_eq!(m[2].distance, 9.0);
        assert_eq!(upgma_order(&d), vec![3, 2, 0, 1]);
    }

    #[test]
    fn small_inputs() {
        assert!(upgma_order(&[]).is_empty());
        assert_eq!(upgma_order(&[vec![0.0]]), vec![0]);
        assert_eq!(
            upgma_order(&[vec![0.0, f64::NAN], vec![f64::NAN, 0.0]]),
            vec![0, 1]
        );
    }
}

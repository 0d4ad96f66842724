//! Strongly connected components of a small directed graph, without recursion (the graph comes
//! from user input and may be a chain of thousands of types).

/// Tarjan's algorithm, iterative. `edges[n]` lists the successors of node `n`. Returns each node's
/// component number; two nodes share a number exactly when each reaches the other.
pub(crate) fn scc(edges: &[Vec<usize>]) -> Vec<usize> {
    let n = edges.len();
    const UNSET: usize = usize::MAX;
    let mut index = vec![UNSET; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![UNSET; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != UNSET {
            continue;
        }
        // (node, next edge to visit)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if index[w] == UNSET {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
    }
    comp
}

/// For every node, whether it or a node it reaches has `marked` set. Tarjan's algorithm numbers
/// a component only once every component it reaches is numbered, so one pass over the
/// components in number order sees each one's successors decided before it.
pub(crate) fn reaching(edges: &[Vec<usize>], marked: &[bool]) -> Vec<bool> {
    let comp = scc(edges);
    let count = comp.iter().max().map_or(0, |last| last + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (node, &c) in comp.iter().enumerate() {
        members[c].push(node);
    }
    let mut reaches = vec![false; count];
    for c in 0..count {
        // An edge inside the component reads `false` here, and changes nothing: the
        // component's own members are all asked directly.
        reaches[c] = members[c]
            .iter()
            .any(|&n| marked[n] || edges[n].iter().any(|&w| reaches[comp[w]]));
    }
    comp.iter().map(|&c| reaches[c]).collect()
}

#[cfg(test)]
mod tests {
    use super::{reaching, scc};

    /// Against a walk from every node, on graphs with cycles, chains and self-loops.
    #[test]
    fn reaching_is_what_a_walk_from_each_node_finds() {
        let graphs: Vec<Vec<Vec<usize>>> = vec![
            vec![vec![1], vec![2], vec![0], vec![3], vec![]],
            vec![vec![1, 2], vec![3], vec![3], vec![4], vec![], vec![0, 5]],
            vec![vec![], vec![0], vec![1], vec![2, 4], vec![3]],
        ];
        for edges in graphs {
            let n = edges.len();
            for bits in 0..(1u32 << n) {
                let marked: Vec<bool> = (0..n).map(|i| bits & (1 << i) != 0).collect();
                let walked: Vec<bool> = (0..n)
                    .map(|start| {
                        let mut seen = vec![false; n];
                        let mut stack = vec![start];
                        let mut found = false;
                        while let Some(v) = stack.pop() {
                            if !std::mem::replace(&mut seen[v], true) {
                                found |= marked[v];
                                stack.extend(&edges[v]);
                            }
                        }
                        found
                    })
                    .collect();
                assert_eq!(reaching(&edges, &marked), walked, "{edges:?} {marked:?}");
            }
        }
    }

    #[test]
    fn finds_cycles_and_singletons() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 alone
        let c = scc(&[vec![1], vec![2], vec![0], vec![3], vec![]]);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[4]);
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![0] })
            .collect();
        let c = scc(&edges);
        assert!(c.iter().all(|x| *x == c[0]));
    }
}

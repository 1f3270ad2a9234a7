# The picture of one benchmark run (scripts/bench.sh writes it next to the
# JSON): answers per second and p50/p99 latency for each second of every
# phase, with the baselines of the same run marked.
#   gnuplot -e "data='X.series'; out='X.svg'; phases='a b'; hello=N; pgbench=M" bench/plot.gp
set terminal svg size 1100,760 dynamic font "sans,11" background rgb "white"
set output out
set multiplot layout 2,1 title "actorshop bench: every phase, second by second"
set key outside right top
set grid
set ylabel "answers/s"
set format y "%.0s%c"
set xrange [0:*]
# Room above the higher baseline, which the phases rarely pass.
set yrange [0:(hello > pgbench ? hello : pgbench) * 1.15]
set arrow 1 from graph 0, first hello to graph 1, first hello nohead dt 2 lc rgb "#444444"
set label 1 sprintf("hello-world %.0f/s", hello) at graph 0.01, first hello offset 0,0.6 font ",9"
set arrow 2 from graph 0, first pgbench to graph 1, first pgbench nohead dt 3 lc rgb "#aa3333"
set label 2 sprintf("pgbench insert %.0f/s", pgbench) at graph 0.01, first pgbench offset 0,0.6 font ",9"
plot for [i=1:words(phases)] data index (i-1) using 1:2 with linespoints lc i pt 7 ps 0.4 title word(phases, i)
unset arrow 1
unset arrow 2
unset label 1
unset label 2
set ylabel "latency (ms, log)"
set xlabel "seconds"
set logscale y
set format y "%g"
set yrange [*:*]
plot for [i=1:words(phases)] data index (i-1) using 1:3 with lines lc i dt 1 lw 1.5 title word(phases, i)." p50", \
     for [i=1:words(phases)] data index (i-1) using 1:4 with lines lc i dt 2 lw 1 title word(phases, i)." p99"
unset multiplot

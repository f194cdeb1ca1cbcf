# Per-network start time against the number of networks already running,
# from bench/run's per-network series (bench/results-netd.dat: N k ms; the
# largest N's run is plotted). gnuplot -e "dat='bench/results-netd.dat'; out='bench/start-vs-n.svg'; nmax=200" bench/plot.gp
set terminal svg size 720,420 dynamic font "sans,12"
set output out
set title "netd start of the k-th network while k-1 run (bench/run)"
set xlabel "k (networks running after this start)"
set ylabel "netd start, ms"
set key top left
set grid
set yrange [0:*]
plot dat using ($1 == nmax ? $2 : 1/0):3 with points pt 7 ps 0.4 title "netd, each start", \
     dat using ($1 == nmax ? $2 : 1/0):3 smooth bezier lw 2 title "netd, trend"

# Per-network start time against the number of networks already running,
# from bench/run's per-network series (bench/results-netd.dat: N k ms; the
# largest N's run is plotted). gnuplot -e "dat='bench/results-netd.dat'; out='bench/start-vs-n.svg'; nmax=200" bench/plot.gp
# With --vs-libvirt's series as well: -e "...; lv='bench/results-libvirt.dat'; lvmax=50"
# (libvirt's line, at its largest N).
set terminal svg size 720,420 dynamic font "sans,12"
set output out
set title "start of the k-th network while k-1 run (bench/run)"
set xlabel "k (networks running after this start)"
set ylabel "start, ms"
set key top left
set grid
set yrange [0:*]
if (exists("lv")) {
	plot dat using ($1 == nmax ? $2 : 1/0):3 with points pt 7 ps 0.4 title "netd, each start", \
	     dat using ($1 == nmax ? $2 : 1/0):3 smooth bezier lw 2 title "netd, trend", \
	     lv using ($1 == lvmax ? $2 : 1/0):3 with points pt 5 ps 0.4 title "libvirt, each start", \
	     lv using ($1 == lvmax ? $2 : 1/0):3 smooth bezier lw 2 title "libvirt, trend"
} else {
	plot dat using ($1 == nmax ? $2 : 1/0):3 with points pt 7 ps 0.4 title "netd, each start", \
	     dat using ($1 == nmax ? $2 : 1/0):3 smooth bezier lw 2 title "netd, trend"
}

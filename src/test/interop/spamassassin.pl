#!/usr/bin/perl
# RecipientsInteropIT: SpamAssassin's local tests on each file named on the command line, printing "file<TAB>rules"
# per file; with --rules first, the name of every rule it knows instead. Nothing leaves the machine: local tests
# only, no DNS (so no blocklists, no URIBL, no SPF or DKIM lookups), no Razor, Pyzor or DCC, no Bayes, no state kept.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Mail::SpamAssassin;

my $home = tempdir(CLEANUP => 1);
my $sa = Mail::SpamAssassin->new({
    local_tests_only     => 1,
    dont_copy_prefs      => 1,
    userprefs_filename   => "$home/user_prefs",
    home_dir_for_helpers => $home,
    userstate_dir        => $home,
    post_config_text     => join("\n",
        'dns_available no', 'skip_rbl_checks 1', 'use_bayes 0', 'use_auto_whitelist 0',
        'use_razor2 0', 'use_pyzor 0', 'use_dcc 0', ''),
});
$sa->init(1);

if (@ARGV && $ARGV[0] eq '--rules') {
    print "$_\n" for sort grep { !/^__/ } keys %{ $sa->{conf}->{scores} };
    exit 0;
}
for my $path (@ARGV) {
    open(my $in, '<:raw', $path) or die "$path: $!";
    my $raw = do { local $/; <$in> };
    close $in;
    my $mail = $sa->parse($raw);
    my $status = $sa->check($mail);
    print "$path\t", $status->get_names_of_tests_hit, "\n";
    $status->finish;
    $mail->finish;
}

#compdef leadsync
# leadsync completion for zsh: leadsync completion zsh > "${fpath[1]}/_leadsync"
_leadsync() {
	local -a opts
	opts=("${(@f)$(${words[@]:0:CURRENT-1} --generate-bash-completion 2>/dev/null)}")
	if [[ -n "${opts[1]}" ]]; then
		_describe 'leadsync' opts
	else
		_files
	fi
}
compdef _leadsync leadsync

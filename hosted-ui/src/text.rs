//! The imitation's strings, in English and Korean like the app.

pub use shared::Lang;

/// From an explicit `lang` parameter, else the browser's `Accept-Language`.
pub fn choose(param: Option<&str>, accept_language: Option<&str>) -> Lang {
    Lang::preferred(
        param
            .into_iter()
            .chain(accept_language.unwrap_or_default().split(',')),
    )
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::Ko => &KO,
    }
}

pub struct Texts {
    pub brand: &'static str,
    pub other_language: &'static str,
    pub sign_in_title: &'static str,
    pub sign_up_title: &'static str,
    pub confirm_title: &'static str,
    pub error_title: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_rules: &'static str,
    pub code: &'static str,
    pub sign_in_button: &'static str,
    pub sign_up_button: &'static str,
    pub confirm_button: &'static str,
    pub no_account: &'static str,
    pub sign_up_link: &'static str,
    pub have_account: &'static str,
    pub sign_in_link: &'static str,
    pub code_sent: &'static str,
    pub confirmed: &'static str,
    pub bad_credentials: &'static str,
    pub not_confirmed: &'static str,
    pub user_exists: &'static str,
    pub bad_password: &'static str,
    pub bad_email: &'static str,
    pub bad_code: &'static str,
    pub code_attempts: &'static str,
    pub password_attempts: &'static str,
    pub invalid_client: &'static str,
    pub redirect_mismatch: &'static str,
    pub logout_mismatch: &'static str,
    pub unavailable: &'static str,
}

pub static EN: Texts = Texts {
    brand: "The board · sign-in (local)",
    other_language: "한국어",
    sign_in_title: "Sign in",
    sign_up_title: "Sign up",
    confirm_title: "Confirm your account",
    error_title: "This sign-in request is not valid",
    email: "Email",
    password: "Password",
    password_rules: "At least 8 characters, with upper- and lowercase letters and a number.",
    code: "Confirmation code",
    sign_in_button: "Sign in",
    sign_up_button: "Sign up",
    confirm_button: "Confirm",
    no_account: "Need an account?",
    sign_up_link: "Sign up",
    have_account: "Already have an account?",
    sign_in_link: "Sign in",
    code_sent: "We sent a confirmation code to {email}. (Locally, it is printed in the console of `cargo xtask dev`.)",
    confirmed: "Your account is confirmed. Sign in.",
    bad_credentials: "Incorrect username or password.",
    not_confirmed: "This account is not confirmed yet. Enter the code we sent.",
    user_exists: "An account with the given email already exists.",
    bad_password: "The password does not meet the rules.",
    bad_email: "Enter a valid email address.",
    bad_code: "Invalid verification code provided, please try again.",
    code_attempts: "Attempt limit exceeded: that code no longer works. We sent a new one.",
    password_attempts: "Password attempts exceeded. Wait a moment, then try again.",
    invalid_client: "The app that sent you here is not registered with this user pool.",
    redirect_mismatch: "The address to return to is not registered for this app.",
    logout_mismatch: "The address to return to after signing out is not registered for this app.",
    unavailable: "The sign-in service is unavailable. Try again shortly.",
};

pub static KO: Texts = Texts {
    brand: "게시판 · 로그인 (로컬)",
    other_language: "English",
    sign_in_title: "로그인",
    sign_up_title: "회원 가입",
    confirm_title: "계정 확인",
    error_title: "올바르지 않은 로그인 요청입니다",
    email: "이메일",
    password: "비밀번호",
    password_rules: "8자 이상, 대문자·소문자·숫자를 포함해야 합니다.",
    code: "확인 코드",
    sign_in_button: "로그인",
    sign_up_button: "가입",
    confirm_button: "확인",
    no_account: "계정이 없으신가요?",
    sign_up_link: "회원 가입",
    have_account: "이미 계정이 있으신가요?",
    sign_in_link: "로그인",
    code_sent: "{email}(으)로 확인 코드를 보냈습니다. (로컬에서는 `cargo xtask dev` 콘솔에 출력됩니다.)",
    confirmed: "계정이 확인되었습니다. 로그인하세요.",
    bad_credentials: "이메일 또는 비밀번호가 올바르지 않습니다.",
    not_confirmed: "아직 확인되지 않은 계정입니다. 보내 드린 코드를 입력하세요.",
    user_exists: "이미 같은 이메일로 가입한 계정이 있습니다.",
    bad_password: "비밀번호가 규칙에 맞지 않습니다.",
    bad_email: "올바른 이메일 주소를 입력하세요.",
    bad_code: "확인 코드가 올바르지 않습니다. 다시 시도하세요.",
    code_attempts: "시도 횟수를 초과해 그 코드는 더 이상 쓸 수 없습니다. 새 코드를 보냈습니다.",
    password_attempts: "비밀번호 시도 횟수를 초과했습니다. 잠시 후 다시 시도하세요.",
    invalid_client: "이 사용자 풀에 등록되지 않은 앱에서 보낸 요청입니다.",
    redirect_mismatch: "돌아갈 주소가 이 앱에 등록되어 있지 않습니다.",
    logout_mismatch: "로그아웃 후 돌아갈 주소가 이 앱에 등록되어 있지 않습니다.",
    unavailable: "로그인 서비스를 사용할 수 없습니다. 잠시 후 다시 시도하세요.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_comes_from_the_parameter_then_the_browser() {
        assert_eq!(choose(Some("ko"), Some("en-US")), Lang::Ko);
        assert_eq!(choose(None, Some("ko-KR,ko;q=0.9,en;q=0.8")), Lang::Ko);
        assert_eq!(choose(Some("xx"), Some("fr-FR, en;q=0.5")), Lang::En);
        assert_eq!(choose(None, None), Lang::En);
    }
}
